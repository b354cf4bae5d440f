<#
.SYNOPSIS
  Installs users-service as a real Windows service with the shipped defaults and checks, with assertions, what
  docs/windows.md promises: the SCM configuration, the data directory's ACL, the API with a token, PAUSE/CONTINUE,
  a reload, recovery after the JVM is killed, a stop under load, the Event Log text, and a clean uninstall.

.DESCRIPTION
  Run it from an elevated PowerShell 7 (pwsh) on any Windows host with a Java 21+ on PATH (or -Java). It is what
  .github/workflows/windows.yml runs on GitHub's windows-latest runner. Every check throws with what it expected and
  what it saw; the script stops at the first failure and always uninstalls what it installed.

  The jar is copied to "$env:ProgramFiles\<name>" first: the default account, the virtual account NT SERVICE\<name>,
  reads only what Users may read, and a build directory under a user profile is not that.

.EXAMPLE
  pwsh -File deploy/windows/verify.ps1 -Jar users-service/target/users-service.jar
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Jar,
    [string] $Name = 'users-service',
    [string] $Java = 'java',
    [int] $ApiPort = 8080,
    [int] $ManagementPort = 9090
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$api = "http://127.0.0.1:$ApiPort"
$management = "http://127.0.0.1:$ManagementPort"
$dataDir = Join-Path $env:ProgramData $Name
$installDir = Join-Path $env:ProgramFiles $Name
$serviceJar = Join-Path $installDir "$Name.jar"
$serviceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\$Name"
$eventSourceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\EventLog\Application\$Name"

function Step([string] $what) { Write-Host "`n=== $what" }

function Pass([string] $what) { Write-Host "ok: $what" }

# Runs the service's jar with the arguments; throws unless it exits with one of $Expect; returns its output lines.
function Invoke-Service([string[]] $Arguments, [int[]] $Expect = @(0)) {
    $output = & $Java -jar $serviceJar @Arguments 2>&1 | ForEach-Object { "$_" }
    $code = $LASTEXITCODE
    $output | ForEach-Object { Write-Host "  | $_" }
    if ($Expect -notcontains $code) {
        throw "'$Name $($Arguments -join ' ')' exited with $code, expected $($Expect -join ' or ')"
    }
    return $output
}

# The text of sc.exe's answer; throws when sc.exe fails.
function Invoke-Sc([string[]] $Arguments) {
    $output = & sc.exe @Arguments | Out-String
    if ($LASTEXITCODE -ne 0) { throw "sc.exe $($Arguments -join ' ') failed with $LASTEXITCODE`: $output" }
    Write-Host $output
    return $output
}

function Assert-Match([string] $Text, [string] $Pattern, [string] $What) {
    if ($Text -notmatch $Pattern) { throw "$What`: expected to match '$Pattern' in:`n$Text" }
    Pass $What
}

# Waits until $Condition returns true, polling every 250 ms; throws with $What after $Seconds.
function Wait-Until([scriptblock] $Condition, [int] $Seconds, [string] $What) {
    $deadline = (Get-Date).AddSeconds($Seconds)
    while ((Get-Date) -lt $deadline) {
        try { if (& $Condition) { Pass $What; return } } catch { }
        Start-Sleep -Milliseconds 250
    }
    throw "waited $Seconds s for: $What"
}

function Get-Status([string] $Uri, [hashtable] $Headers = @{}) {
    (Invoke-WebRequest -Uri $Uri -Headers $Headers -SkipHttpErrorCheck -TimeoutSec 10).StatusCode
}

function Get-ServicePid { (Get-CimInstance Win32_Service -Filter "Name='$Name'").ProcessId }

try {
    Step "install with the defaults (virtual account, recovery actions) and a delayed automatic start"
    New-Item -ItemType Directory -Force -Path $installDir | Out-Null
    Copy-Item -Force -Path $Jar -Destination $serviceJar
    Invoke-Service @('install', '--dry-run') | Out-Null
    Invoke-Service @('install', '--start-type', 'delayed') | Out-Null

    $qc = Invoke-Sc @('qc', $Name)
    Assert-Match $qc 'START_TYPE\s+:\s+2\s+AUTO_START\s+\(DELAYED\)' 'delayed automatic start'
    Assert-Match $qc "SERVICE_START_NAME\s+:\s+NT SERVICE\\$([regex]::Escape($Name))\s" 'the virtual account'
    Assert-Match $qc ([regex]::Escape($serviceJar)) 'ImagePath runs the installed jar'
    $qfailure = Invoke-Sc @('qfailure', $Name)
    Assert-Match $qfailure 'RESET_PERIOD \(in seconds\)\s+:\s+86400' 'failure count reset after a day'
    Assert-Match $qfailure '(?s)RESTART -- Delay = 5000 milliseconds.*RESTART -- Delay = 30000 milliseconds' `
        'restart after 5 s, then after 30 s'
    Assert-Match (Invoke-Sc @('qfailureflag', $Name)) 'FAILURE_ACTIONS_ON_NONCRASH_FAILURES:\s+TRUE' `
        'recovery also on a non-zero exit code'
    Assert-Match (Invoke-Sc @('qsidtype', $Name)) 'SERVICE_SID_TYPE:\s+UNRESTRICTED' 'the service has its own SID'
    if ((Get-ItemProperty $serviceKey).DelayedAutostart -ne 1) { throw "registry DelayedAutostart is not 1" }
    Pass 'registry DelayedAutostart = 1'

    $acl = & icacls.exe $dataDir | Out-String
    Write-Host $acl
    Assert-Match $acl "NT SERVICE\\$([regex]::Escape($Name)):\(OI\)\(CI\)\(M\)" 'the service SID may modify the data directory'
    Assert-Match $acl 'BUILTIN\\Administrators:\(OI\)\(CI\)\(F\)' 'Administrators have full control'
    Assert-Match $acl 'NT AUTHORITY\\SYSTEM:\(OI\)\(CI\)\(F\)' 'SYSTEM has full control'
    if ($acl -match 'BUILTIN\\Users') { throw "the data directory still grants BUILTIN\Users access:`n$acl" }
    Pass 'no access for other users (inheritance removed)'
    if (-not (Test-Path $eventSourceKey)) { throw "no Event Log source $eventSourceKey" }
    Pass 'Event Log source registered'

    Step 'start, and the API with a token from token issue'
    Invoke-Service @('start') | Out-Null
    Invoke-Service @('status', '--json') | Out-Null
    Wait-Until { (Get-Status "$management/health/ready") -eq 200 } 60 'readiness 200'
    $token = (Invoke-Service @('token', 'issue', '--subject', 'ci', '--scope', 'users:read users:write admin',
            '--set', "data-dir=$dataDir") | Select-Object -Last 1).Trim()
    $auth = @{ Authorization = "Bearer $token" }
    if ((Get-Status "$api/api/v1/users?limit=1") -ne 401) { throw 'the API answered a request without a token' }
    Pass 'no token: 401'
    $user = Invoke-RestMethod -Method Post -Uri "$api/api/v1/users" -Headers $auth -ContentType 'application/json' `
        -Body '{"name":"Ada","email":"ada@example.com"}'
    $read = Invoke-RestMethod -Uri "$api/api/v1/users/$($user.id)" -Headers $auth
    if ($read.email -ne 'ada@example.com') { throw "GET /api/v1/users/$($user.id) returned $($read | ConvertTo-Json)" }
    Pass 'create and read a user with the token'

    Step 'reload (PARAMCHANGE)'
    $before = (Invoke-RestMethod -Uri "$management/admin/status" -Headers $auth).config.lastReload
    Invoke-Service @('reload') | Out-Null
    Wait-Until {
        $after = (Invoke-RestMethod -Uri "$management/admin/status" -Headers $auth).config.lastReload
        $null -ne $after -and $after.ok -and ($null -eq $before -or $after.at -ne $before.at)
    } 30 'a new, successful lastReload in /admin/status'

    Step 'PAUSE and CONTINUE'
    Invoke-Sc @('pause', $Name) | Out-Null
    Wait-Until { (Get-Service $Name).Status -eq 'Paused' } 30 'the SCM says Paused'
    if ((Get-Status "$management/health/ready") -ne 503) { throw 'readiness while paused is not 503' }
    $paused = Invoke-WebRequest -Uri "$api/api/v1/users?limit=1" -Headers $auth -SkipHttpErrorCheck
    if ($paused.StatusCode -ne 503 -or -not $paused.Headers['Retry-After']) {
        throw "the API while paused answered $($paused.StatusCode) without Retry-After"
    }
    Pass 'paused: readiness and API 503 with Retry-After'
    Invoke-Sc @('continue', $Name) | Out-Null
    Wait-Until { (Get-Status "$management/health/ready") -eq 200 } 30 'running again after CONTINUE'

    Step 'kill the JVM: the SCM restarts it after the first recovery delay (5 s)'
    $victim = Get-ServicePid
    Stop-Process -Id $victim -Force
    $killedAt = Get-Date
    Wait-Until { $p = Get-ServicePid; $p -and $p -ne $victim -and (Get-Service $Name).Status -eq 'Running' } 90 `
        'a new service process, RUNNING'
    Wait-Until { (Get-Status "$management/health/ready") -eq 200 } 60 'ready again after the restart'
    $seconds = ((Get-Date) - $killedAt).TotalSeconds
    if ($seconds -lt 4) { throw "restarted after $seconds s, before the 5 s recovery delay" }
    Pass ("restarted and ready {0:N1} s after the kill" -f $seconds)
    if ((Invoke-RestMethod -Uri "$api/api/v1/users/$($user.id)" -Headers $auth).email -ne 'ada@example.com') {
        throw 'the user created before the kill is gone'
    }
    Pass 'data kept across the kill'

    Step 'stop under load: every answer 200 or 503 until the listener closes'
    $load = Start-Job -ArgumentList "$api/api/v1/users?limit=1", $token -ScriptBlock {
        param($uri, $token)
        $counts = @{}
        $deadline = (Get-Date).AddSeconds(60)
        while ((Get-Date) -lt $deadline) {
            try {
                $key = [string](Invoke-WebRequest -Uri $uri -Headers @{ Authorization = "Bearer $token" } `
                        -SkipHttpErrorCheck -TimeoutSec 10).StatusCode
            } catch { $key = 'refused' }
            $counts[$key] = 1 + [int]$counts[$key]
            if ($key -eq 'refused') { break }
        }
        $counts
    }
    Start-Sleep -Seconds 3
    Invoke-Service @('stop') | Out-Null
    $counts = Receive-Job -Job $load -Wait -AutoRemoveJob
    Write-Host ($counts | Out-String)
    $unexpected = @($counts.Keys | Where-Object { @('200', '503', 'refused') -notcontains $_ })
    if ($unexpected.Count -gt 0) { throw "answers during the stop other than 200/503: $($unexpected -join ', ')" }
    if (-not $counts['200']) { throw 'no request succeeded before the stop' }
    Pass 'stop under load: only 200, 503 and, after the stop, refused connections'
    Invoke-Service @('status') -Expect @(3) | Out-Null
    Pass 'status after stop: 3 (not running)'

    Step 'Event Log: lifecycle events with their text'
    $events = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = $Name } -MaxEvents 50)
    $events | Format-Table -AutoSize TimeCreated, Id, LevelDisplayName, Message | Out-String -Width 200 | Write-Host
    foreach ($id in 1, 2, 3) {
        if (-not ($events | Where-Object Id -eq $id)) { throw "no event $id (started 1, stopping 2, stopped 3)" }
    }
    $unrendered = @($events | Where-Object { -not $_.Message -or $_.Message -match 'cannot be found' })
    if ($unrendered.Count -gt 0) { throw "$($unrendered.Count) event(s) without their text: $($unrendered[0].Message)" }
    Pass 'events 1, 2 and 3 present, every one with its message text'
}
finally {
    Step 'uninstall: no service key and no Event Log source left'
    & $Java -jar $serviceJar uninstall
    $uninstalled = $LASTEXITCODE
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $installDir
}
if ($uninstalled -ne 0) { throw "uninstall exited with $uninstalled" }
& sc.exe query $Name | Out-Null
if ($LASTEXITCODE -ne 1060) { throw "sc.exe query after uninstall exited with $LASTEXITCODE, expected 1060 (not installed)" }
if (Test-Path $serviceKey) { throw "$serviceKey is still there after uninstall" }
if (Test-Path $eventSourceKey) { throw "$eventSourceKey is still there after uninstall" }
Pass 'uninstalled: no service, no registry key, no Event Log source'
Write-Host "`nAll Windows checks passed."
