# Set up everything the kiosk needs in .venv\ on Windows (no C++ compiler needed).
#   powershell -ExecutionPolicy Bypass -File scripts\setup.ps1          the kiosk
#   powershell -ExecutionPolicy Bypass -File scripts\setup.ps1 -Test    plus the test tools
# pyzbar's Windows wheel bundles zbar (it needs the Visual C++ 2013 runtime, vcredist_x64).
# PySide6's Windows wheel bundles Qt and its window plugin (qwindows.dll): no system libraries to install.
param([switch]$Test)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

$uv = (Get-Command uv -ErrorAction SilentlyContinue).Source
if (-not $uv) {
    $uv = ".tools\uv\Scripts\uv.exe"
    if (-not (Test-Path $uv)) {
        $py = (Get-Command py -ErrorAction SilentlyContinue).Source
        $pyArgs = @("-3")
        if (-not $py) { $py = (Get-Command python -ErrorAction SilentlyContinue).Source; $pyArgs = @() }
        if (-not $py) { Write-Error "setup: Python 3.10-3.13 is needed: install it from python.org, then run this again"; exit 1 }
        Write-Host "setup: installing the uv package manager into .tools\uv"
        & $py @pyArgs -m venv .tools\uv
        if ($LASTEXITCODE -ne 0) { Write-Error "setup: creating .tools\uv failed"; exit 1 }
        & .tools\uv\Scripts\python.exe -m pip install --quiet --disable-pip-version-check uv
        if ($LASTEXITCODE -ne 0) { Write-Error "setup: installing uv failed"; exit 1 }
    }
}
$syncArgs = @("sync", "--frozen", "--inexact")
if ($Test) { $syncArgs += @("--extra", "test") }
& $uv @syncArgs
if ($LASTEXITCODE -ne 0) { Write-Error "setup: uv sync failed"; exit 1 }
Write-Host "setup: done. The kiosk is .venv\Scripts\kiosk.exe (try: .venv\Scripts\kiosk demo)"
