import type { CallRules } from '@common/dto';
/**
 * The rules as the named parameters messages use: `{minutes}` (code and verification validity),
 * `{interval}` (spacing of sends), `{perDay}`, `{maxWrong}`, `{maxMismatches}`.
 */
export function rulesParams(rules: CallRules | null): Record<string, number> {
  if (rules === null) return {};
  return {
    minutes: rules.validityMinutes,
    interval: rules.minIntervalMinutes,
    perDay: rules.maxPerDay,
    maxWrong: rules.maxWrong,
    maxMismatches: rules.maxIdentityMismatches,
  };
}
