@echo off
rem Runs users-service.jar (next to this file) on the first Java 21 or newer found in this order:
rem   1. %JAVA_HOME%\bin\java.exe
rem   2. java.exe on the PATH
rem   3. the registry: every JavaHome under HKLM\SOFTWARE\JavaSoft (JDK\<version>, JRE\<version>; the JDK's
rem      CurrentVersion first), then every Path under HKLM\SOFTWARE\Eclipse Adoptium and HKLM\SOFTWARE\Microsoft\JDK
rem      (their MSI installers' keys)
rem   4. the folders the jar's own launcher searches: %ProgramFiles%\Java\*, %ProgramFiles%\Eclipse Adoptium\*,
rem      %ProgramFiles%\Microsoft\jdk-*, %ProgramFiles%\Zulu\*, %USERPROFILE%\.jdks\*
rem A candidate's version is the JAVA_VERSION of its release file, or, without one, what "java -version" prints.
rem Exit code: the application's; 1 when no Java 21+ is found (one line on stderr naming what was found),
rem the same code and wording as the jar's own launcher (see docs/windows.md, "Download and run on Windows").
rem Two scopes: the outer keeps SK_* out of the caller's environment; the inner one, with delayed expansion, ends
rem before the jar runs, so a "!" in an argument reaches it unchanged.
setlocal EnableExtensions DisableDelayedExpansion
setlocal EnableDelayedExpansion
set "SK_APP=%~n0"
set "SK_JAR=%~dp0%~n0.jar"
set "SK_NEED=21"
set "SK_JAVA="
set "SK_FOUND="
set "SK_SEEN_N=0"

if defined JAVA_HOME (
  if exist "%JAVA_HOME%\bin\java.exe" (
    call :consider "%JAVA_HOME%\bin\java.exe" "JAVA_HOME"
  ) else (
    call :note "JAVA_HOME %JAVA_HOME% without bin\java.exe"
  )
)
if not defined SK_JAVA (
  for %%J in (java.exe) do set "SK_ONPATH=%%~$PATH:J"
  if defined SK_ONPATH call :consider "!SK_ONPATH!" "PATH"
)
if not defined SK_JAVA call :currentJdk
if not defined SK_JAVA call :registry "HKLM\SOFTWARE\JavaSoft" JavaHome
if not defined SK_JAVA call :registry "HKLM\SOFTWARE\Eclipse Adoptium" Path
if not defined SK_JAVA call :registry "HKLM\SOFTWARE\Microsoft\JDK" Path
if not defined SK_JAVA call :folder "%ProgramFiles%\Java" "*"
if not defined SK_JAVA call :folder "%ProgramFiles%\Eclipse Adoptium" "*"
if not defined SK_JAVA call :folder "%ProgramFiles%\Microsoft" "jdk-*"
if not defined SK_JAVA call :folder "%ProgramFiles%\Zulu" "*"
if not defined SK_JAVA call :folder "%USERPROFILE%\.jdks" "*"

if not defined SK_JAVA goto none
endlocal & set "SK_JAVA=%SK_JAVA%" & set "SK_JAR=%SK_JAR%"
"%SK_JAVA%" -jar "%SK_JAR%" %*
exit /b %ERRORLEVEL%

rem No Java 21+: one line on stderr, exit code 1.
:none
if not defined SK_FOUND set "SK_FOUND=no Java in JAVA_HOME, on the PATH, in the registry or in the usual folders"
>&2 echo %SK_APP% needs Java %SK_NEED% or newer; found %SK_FOUND%. Install a Java %SK_NEED%+, e.g. winget install EclipseAdoptium.Temurin.%SK_NEED%.JRE or https://adoptium.net, or set JAVA_HOME to one.
exit /b 1

rem :currentJdk: the JavaHome of HKLM\SOFTWARE\JavaSoft\JDK's CurrentVersion.
:currentJdk
set "SK_CURRENT="
for /f "tokens=2,*" %%A in ('reg query "HKLM\SOFTWARE\JavaSoft\JDK" /v CurrentVersion 2^>nul') do (
  if "%%A"=="REG_SZ" set "SK_CURRENT=%%B"
)
if not defined SK_CURRENT exit /b 0
for /f "tokens=2,*" %%A in ('reg query "HKLM\SOFTWARE\JavaSoft\JDK\%SK_CURRENT%" /v JavaHome 2^>nul') do (
  if "%%A"=="REG_SZ" call :considerHome "%%B" "registry JavaSoft\JDK\%SK_CURRENT%"
)
exit /b 0

rem :registry <key> <value name>: every <value name> under <key> and its subkeys is a Java home to consider.
:registry
for /f "tokens=1,2,*" %%A in ('reg query "%~1" /s /v %~2 2^>nul') do (
  if /i "%%A"=="%~2" if "%%B"=="REG_SZ" if not defined SK_JAVA call :considerHome "%%C" "registry %~1"
)
exit /b 0

rem :folder <dir> <pattern>: every <dir>\<pattern> with a bin\java.exe (the jar's launcher looks in the same places).
:folder
if not exist "%~1\" exit /b 0
for /f "delims=" %%D in ('dir /b /ad "%~1\%~2" 2^>nul') do if exist "%~1\%%D\bin\java.exe" call :consider "%~1\%%D\bin\java.exe" "%~1"
exit /b 0

rem :considerHome <home> <source>
:considerHome
set "SK_HOME=%~1"
if "%SK_HOME:~-1%"=="\" set "SK_HOME=%SK_HOME:~0,-1%"
if exist "%SK_HOME%\bin\java.exe" (
  call :consider "%SK_HOME%\bin\java.exe" "%~2"
) else (
  call :note "%~2 %~1 without bin\java.exe"
)
exit /b 0

rem :consider <java.exe> <source>: takes it when its major version is %SK_NEED% or more (each java.exe once).
:consider
set "SK_DUP="
for /f "tokens=1,* delims==" %%A in ('set SK_SEEN_') do if /i "%%B"=="%~1" set "SK_DUP=1"
if defined SK_DUP exit /b 0
set /a SK_SEEN_N+=1
set "SK_SEEN_%SK_SEEN_N%=%~1"
set "SK_VERSION="
for %%H in ("%~dp1..") do set "SK_RELEASE=%%~fH\release"
if exist "%SK_RELEASE%" (
  for /f "usebackq tokens=1,* delims==" %%A in ("%SK_RELEASE%") do (
    if "%%A"=="JAVA_VERSION" set "SK_VERSION=%%~B"
  )
)
if not defined SK_VERSION (
  for /f "tokens=3" %%V in ('call "%~1" -version 2^>^&1 ^| findstr /i /c:" version "') do (
    if not defined SK_VERSION set "SK_VERSION=%%~V"
  )
)
if not defined SK_VERSION (
  call :note "%~1 from %~2, whose version could not be read"
  exit /b 0
)
set "SK_MAJOR="
for /f "tokens=1,2 delims=.-+_" %%M in ("%SK_VERSION%") do (
  set "SK_MAJOR=%%M"
  if "%%M"=="1" set "SK_MAJOR=%%N"
)
set /a SK_MAJOR_N=SK_MAJOR+0 2>nul
if %SK_MAJOR_N% GEQ %SK_NEED% (
  set "SK_JAVA=%~1"
  exit /b 0
)
call :note "Java %SK_VERSION% from %~2 at %~1"
exit /b 0

rem :note <text>: one more thing found that does not qualify.
:note
if defined SK_FOUND (
  set "SK_FOUND=%SK_FOUND%; %~1"
) else (
  set "SK_FOUND=%~1"
)
exit /b 0
