import { AndFilter, EqualityFilter, type Filter, FilterParser, OrFilter, SubstringFilter, PresenceFilter } from 'ldapts';
import type { AttributeMapping } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';
import { normalizeTaxCode } from '../../domain/identifiers';
import { isSameMobile, mobileDigitPieces, mobileWrittenForms } from '../../domain/phone';
import { nameMatches, nameSkeleton, type SearchCriterion } from '../../domain/search-query';
import type { EntryView } from './entry';

/**
 * Builds the LDAP filter for a list of criteria as ldapts filter objects: values travel BER-encoded as
 * assertion values, never spliced into filter text (their text form is RFC 4515-escaped: `x*y` is
 * `(uid=x\2ay)`), so `*)(uid=*` is just a value, and a `*` in a username is a character, never a wildcard.
 */
export function criteriaFilter(criteria: SearchCriterion[], attrs: AttributeMapping): Filter | null {
  const parts = criteria.flatMap((c) => criterionFilters(c, attrs));
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : new OrFilter({ filters: parts });
}

/** Where a mobile is looked for: the mobile attribute, then its fallbacks (each once). */
export function mobileAttributes(a: AttributeMapping): string[] {
  return [...new Set([a.mobile, ...a.mobileFallbacks])];
}

function eq(attribute: string, value: string): Filter {
  return new EqualityFilter({ attribute, value });
}

function criterionFilters(c: SearchCriterion, a: AttributeMapping): Filter[] {
  switch (c.kind) {
    case 'username':
      return [eq(a.username, c.value)];
    case 'email':
      return [eq(a.mail, c.value), eq(a.backupEmail, c.value)];
    case 'phone':
      // The usual written forms by equality (indexed); the wider reading: the digits in order with
      // anything between (any punctuation and grouping; wider than the number, confirmed below).
      return mobileAttributes(a).flatMap((attribute) =>
        c.anyPunctuation
          ? [new SubstringFilter({ attribute, any: mobileDigitPieces(c.national) })]
          : mobileWrittenForms(c.national).map((v) => eq(attribute, v)),
      );
    case 'citizenId':
      return [eq(a.citizenId, c.value)];
    case 'taxCode':
      return [eq(a.taxCode, c.value)];
    case 'socialInsurance':
      return [eq(a.socialInsuranceCode, c.value)];
    case 'name': {
      const any = nameSkeleton(c.words);
      return [any.length > 0 ? new SubstringFilter({ attribute: a.displayName, any }) : new PresenceFilter({ attribute: a.displayName })];
    }
  }
}

/** The configured account filter (trusted settings text), parsed. */
export function parseUserFilter(userFilter: string): Filter {
  try {
    return FilterParser.parseString(userFilter);
  } catch (err) {
    throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory.userFilter', reason: 'invalid_format', cause: err });
  }
}

/** The configured account filter (trusted settings text), parsed once, AND-ed with the query. */
export function withUserFilter(userFilter: string, query: Filter): Filter {
  return new AndFilter({ filters: [parseUserFilter(userFilter), query] });
}

/** Server matches are re-checked here: names against the folded text, identifiers exactly. */
export function confirmsCriteria(e: EntryView, criteria: SearchCriterion[], a: AttributeMapping): boolean {
  return criteria.some((c) => {
    switch (c.kind) {
      case 'username':
        return e.all(a.username).some((v) => v.toLowerCase() === c.value);
      case 'email':
        return [...e.all(a.mail), ...e.all(a.backupEmail)].some((v) => v.toLowerCase() === c.value);
      case 'phone':
        return mobileAttributes(a).some((attr) => e.all(attr).some((v) => isSameMobile(v, c.national)));
      case 'citizenId':
        return e.all(a.citizenId).includes(c.value);
      case 'taxCode':
        return e.all(a.taxCode).some((v) => normalizeTaxCode(v) === c.value);
      case 'socialInsurance':
        return e.all(a.socialInsuranceCode).includes(c.value);
      case 'name':
        return e.all(a.displayName).some((v) => nameMatches(v, c.words));
    }
  });
}
