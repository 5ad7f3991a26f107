#!/usr/bin/env bash
# Samba AD DC: delegate to the Helpdesk service account, on the user objects under one OU (inherited
# ACEs), exactly what the app needs — the same rights as ad-delegation.ps1 gives on Windows AD:
#   Reset Password (extended right User-Force-Change-Password)   reset
#   read/write pwdLastSet                                          must change at next logon (pwdLastSet = 0)
#   read/write lockoutTime                                         unlock (lockoutTime = 0)
#   read/write each mapped contact attribute (mobile, otherMailbox by default)
# Nothing else: no group membership, no "Full control", no other attribute. Reading accounts needs no
# grant (Authenticated Users read them by default). Proven in test/integration/ad-delegation.test.ts on a
# Samba AD DC with a plain (non-admin) account.
#
# Usage (on the DC as root, or from an admin workstation with -U):
#   samba-ad-delegation.sh --url /var/lib/samba/private/sam.ldb \
#       --ou "OU=NguoiDung,DC=tphcm,DC=gov,DC=vn" --account helpdesk-svc [--contacts "mobile otherMailbox"] \
#       [--dry-run] [-- <more samba-tool options, e.g. -U Administrator>]
set -euo pipefail

URL='' OU='' ACCOUNT='' CONTACTS='mobile otherMailbox' DRY_RUN=0
EXTRA=()
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --url) URL="$2"; shift 2 ;;
    --ou) OU="$2"; shift 2 ;;
    --account) ACCOUNT="$2"; shift 2 ;;
    --contacts) CONTACTS="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) usage ;;
  esac
done
[ -n "$URL" ] && [ -n "$OU" ] && [ -n "$ACCOUNT" ] || usage

# The same in every AD forest: the extended right "Reset Password" (User-Force-Change-Password).
RESET_PASSWORD=00299570-246d-11d0-a768-00aa006e0529

# One attribute or class's schemaIDGUID, read from the schema (a mapped attribute may be any one).
schema_guid() { # kind (attribute|objectclass) name
  local guid
  guid=$(samba-tool schema "$1" show "$2" -H "$URL" "${EXTRA[@]}" | sed -n 's/^schemaIDGUID: //p' | tr -d '\r')
  [[ "$guid" =~ ^[0-9a-fA-F-]{36}$ ]] || { echo "no schemaIDGUID for $1 $2" >&2; exit 1; }
  echo "$guid"
}

SID=$(samba-tool user show "$ACCOUNT" -H "$URL" --attributes=objectSid "${EXTRA[@]}" | sed -n 's/^objectSid: //p' | tr -d '\r')
[[ "$SID" =~ ^S-1-5-21-[0-9-]+$ ]] || { echo "no SID for account $ACCOUNT" >&2; exit 1; }
USER_CLASS=$(schema_guid objectclass user)

# Object ACEs, inherited by the user objects below the OU only (CIIO + inherited object type user).
ace() { echo "(OA;CIIO;$1;$2;$USER_CLASS;$SID)"; }
SDDL="$(ace CR "$RESET_PASSWORD")$(ace RPWP "$(schema_guid attribute pwdLastSet)")$(ace RPWP "$(schema_guid attribute lockoutTime)")"
for attr in $CONTACTS; do SDDL="$SDDL$(ace RPWP "$(schema_guid attribute "$attr")")"; done

echo "On $OU, for $ACCOUNT ($SID): $SDDL"
[ "$DRY_RUN" = 1 ] && exit 0
samba-tool dsacl set -H "$URL" --objectdn="$OU" --sddl="$SDDL" "${EXTRA[@]}"
