# Run by ..\mvnw.cmd before Maven starts: the Windows twin of select-jdk.sh (the reasons are there and in
# docs/decisions.md, "JDK selection"). Prints the home of the JDK 21+ to build with on stdout; when there is
# none, prints nothing on stdout and one line on stderr saying what to install.
#
# Order: JAVA_HOME if it is a JDK 21+; else the javac.exe on PATH if it is; else the newest JDK 21+ under
# %ProgramFiles%\Java, \Eclipse Adoptium, \Microsoft\jdk-*, \Zulu and %USERPROFILE%\.jdks.
# SERVICEKIT_JDK_DIRS (semicolon-separated directories whose children are JDK homes) replaces those places.
# A JDK's version comes from its `release` file. Not run by any test: CI is Linux (see docs/decisions.md).

$ErrorActionPreference = 'Stop'
$required = 21

# @{ Dir; Feature = 25; Key = 25000003 (8000402 for "1.8.0_402"); Javac } for the Java at $dir, or $null.
function Read-Java([string] $dir) {
  if (-not $dir) { return $null }
  $release = Join-Path $dir 'release'
  if (-not (Test-Path -LiteralPath $release -PathType Leaf) -or
      -not (Test-Path -LiteralPath (Join-Path $dir 'bin\java.exe') -PathType Leaf)) { return $null }
  $line = Get-Content -LiteralPath $release | Where-Object { $_ -like 'JAVA_VERSION=*' } | Select-Object -First 1
  if (-not $line) { return $null }
  $version = ($line -replace '^JAVA_VERSION=', '').Trim().Trim('"')
  if ($version -like '1.*') { $version = $version.Substring(2) }
  $m = [regex]::Match($version, '^(\d+)(?:\D+(\d+))?(?:\D+(\d+))?')
  if (-not $m.Success) { return $null }
  $n = @(1..3 | ForEach-Object { if ($m.Groups[$_].Success) { [long]$m.Groups[$_].Value } else { [long]0 } })
  return @{ Dir = $dir; Feature = $n[0]; Key = $n[0] * 1000000 + $n[1] * 1000 + $n[2];
            Javac = (Test-Path -LiteralPath (Join-Path $dir 'bin\javac.exe') -PathType Leaf) }
}

function Test-Jdk($java) { return $java -and $java.Javac -and $java.Feature -ge $required }

$seen = $null   # the newest Java found, for the message when none qualifies
$best = $null

$fromJavaHome = Read-Java $env:JAVA_HOME
if (Test-Jdk $fromJavaHome) {
  Write-Output $env:JAVA_HOME
  exit 0
}
$seen = $fromJavaHome

$javac = Get-Command javac.exe -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if ($javac) {
  $fromPath = Read-Java (Split-Path -Parent (Split-Path -Parent $javac.Source))
  if (Test-Jdk $fromPath) {
    Write-Output $fromPath.Dir
    exit 0
  }
  if ($fromPath -and (-not $seen -or $fromPath.Key -gt $seen.Key)) { $seen = $fromPath }
}

if ($env:SERVICEKIT_JDK_DIRS) {
  $patterns = @($env:SERVICEKIT_JDK_DIRS -split ';' | Where-Object { $_ } | ForEach-Object { Join-Path $_ '*' })
} else {
  $programFiles = if ($env:ProgramFiles) { $env:ProgramFiles } else { 'C:\Program Files' }
  $patterns = @("$programFiles\Java\*", "$programFiles\Eclipse Adoptium\*", "$programFiles\Microsoft\jdk-*",
      "$programFiles\Zulu\*")
  if ($env:USERPROFILE) { $patterns += "$env:USERPROFILE\.jdks\*" }
}
foreach ($pattern in $patterns) {
  foreach ($candidate in @(Get-ChildItem -Path $pattern -Directory -ErrorAction SilentlyContinue)) {
    $java = Read-Java $candidate.FullName
    if (-not $java) { continue }
    if (-not $seen -or $java.Key -gt $seen.Key) { $seen = $java }
    if ((Test-Jdk $java) -and (-not $best -or $java.Key -gt $best.Key)) { $best = $java }
  }
}

if ($best) {
  if ($env:JAVA_HOME) {
    [Console]::Error.WriteLine("servicekit: JAVA_HOME ($env:JAVA_HOME) is not a JDK $required or newer; building with $($best.Dir)")
  } elseif ($env:MVNW_VERBOSE -eq 'true') {
    [Console]::Error.WriteLine("servicekit: building with $($best.Dir)")
  }
  Write-Output $best.Dir
  exit 0
}

$found = 'none'
if ($seen) {
  $found = "only Java $($seen.Feature) ($($seen.Dir))"
  if (-not $seen.Javac) { $found = "only Java $($seen.Feature) without javac ($($seen.Dir))" }
}
[Console]::Error.WriteLine("servicekit: building needs JDK $required or newer; found $found. Install one (winget install EclipseAdoptium.Temurin.$required.JDK, or https://adoptium.net) or set JAVA_HOME to it.")
exit 1
