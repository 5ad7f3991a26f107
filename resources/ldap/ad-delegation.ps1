<#
.SYNOPSIS
  Active Directory: delegate to the Helpdesk service account, on the user objects under one OU, exactly
  what the app needs — nothing more (no "Account Operators", no "Full control").

.DESCRIPTION
  Inherited ACEs on the OU, applying to user objects below it (dsacls /I:S ... ;user):
    Reset Password (extended right)      reset a password (unicodePwd over LDAPS)
    Read/Write pwdLastSet                must change at next logon (pwdLastSet = 0)
    Read/Write lockoutTime               unlock (lockoutTime = 0)
    Read/Write each mapped contact       mobile, otherMailbox by default (Settings → Attribute mapping)
  Reading the accounts needs no grant: Authenticated Users read user objects by default. The same rights
  as samba-ad-delegation.sh, which test/integration/ad-delegation.test.ts proves on a Samba AD DC with a
  plain account; this PowerShell form was not run against a Windows DC by the tests (no Windows there).
  Run it as a Domain Admin (or someone allowed to change the OU's permissions), on a machine with the
  AD DS tools (dsacls.exe: RSAT, or a DC). Check with:  dsacls "<OU>" | findstr /i helpdesk
  Accounts of administrators (adminCount=1, protected by AdminSDHolder) are not affected, by design.

.EXAMPLE
  .\ad-delegation.ps1 -OU "OU=NguoiDung,DC=tphcm,DC=gov,DC=vn" -Account "TPHCM\helpdesk-svc"
  .\ad-delegation.ps1 -OU "OU=NguoiDung,DC=tphcm,DC=gov,DC=vn" -Account "TPHCM\helpdesk-svc" -ContactAttributes mobile,otherMailbox,telephoneNumber -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [Parameter(Mandatory = $true)] [string] $OU,
  [Parameter(Mandatory = $true)] [string] $Account,
  [string[]] $ContactAttributes = @('mobile', 'otherMailbox')
)
$ErrorActionPreference = 'Stop'

$grants = @('CA;Reset Password;user', 'RPWP;pwdLastSet;user', 'RPWP;lockoutTime;user')
$grants += $ContactAttributes | ForEach-Object { "RPWP;$_;user" }

foreach ($g in $grants) {
  if ($PSCmdlet.ShouldProcess($OU, "dsacls /I:S /G `"${Account}:$g`"")) {
    & dsacls.exe $OU /I:S /G "${Account}:$g" | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "dsacls failed ($LASTEXITCODE) for ${Account}:$g on $OU" }
  }
}
Write-Host "Delegated on ${OU} to ${Account}: $($grants -join ', ')"
