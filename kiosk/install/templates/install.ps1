# Install the CCCD check-in kiosk from this folder, with no network at all (Windows, per user:
# no administrator rights):
#
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Target FOLDER] [-AutoStart]
#
# The counter lands in FOLDER\.venv (FOLDER\.venv\Scripts\kiosk.exe); default FOLDER:
# %LOCALAPPDATA%\cccd-kiosk. A Start-menu shortcut opens the counter app; -AutoStart also
# starts it at log-on. Needs Python 3.11 or 3.12 from python.org on this PC (its installer
# can travel on the same USB stick). Safe to run again.
param(
    [string]$Target = (Join-Path $env:LOCALAPPDATA "cccd-kiosk"),
    [switch]$AutoStart
)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path

function Find-Python {
    foreach ($version in @("3.12", "3.11")) {
        try {
            $exe = (& py "-$version" -c "import sys; print(sys.executable)" 2>$null)
            if ($LASTEXITCODE -eq 0 -and $exe) { return @($exe.Trim(), "cp" + $version.Replace(".", "")) }
        } catch { }
    }
    foreach ($name in @("python3.12", "python3.11", "python")) {
        $command = Get-Command $name -ErrorAction SilentlyContinue
        if ($command) {
            $tag = (& $command.Source -c "import sys; print('cp%d%d' % sys.version_info[:2])" 2>$null)
            if ($tag -eq "cp312" -or $tag -eq "cp311") { return @($command.Source, $tag) }
        }
    }
    return $null
}

$found = Find-Python
if (-not $found) {
    Write-Host "error: no Python 3.11 or 3.12 on this PC - install it from python.org (per user is enough), then run install.ps1 again"
    exit 1
}
$python, $tag = $found
$env:UV_OFFLINE = "1"; $env:UV_PYTHON_DOWNLOADS = "never"; $env:UV_NO_PROGRESS = "1"
$uv = Join-Path $here "uv\uv.exe"
New-Item -ItemType Directory -Force -Path $Target | Out-Null
& $uv venv --quiet --allow-existing --python $python (Join-Path $Target ".venv")
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& $uv pip install --quiet --offline --no-index --find-links (Join-Path $here "wheels") --require-hashes `
    --overrides (Join-Path $here "overrides.txt") --python (Join-Path $Target ".venv\Scripts\python.exe") `
    -r (Join-Path $here "requirements-$tag.txt")
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$samples = Join-Path $Target "sample_images"
if (Test-Path $samples) { Remove-Item -Recurse -Force $samples }
Copy-Item -Recurse (Join-Path $here "sample_images") $samples

$shell = New-Object -ComObject WScript.Shell
$app = Join-Path $Target ".venv\Scripts\kiosk-app.exe"
$places = @([Environment]::GetFolderPath("Programs"))
if ($AutoStart) { $places += [Environment]::GetFolderPath("Startup") }
foreach ($place in $places) {
    $link = $shell.CreateShortcut((Join-Path $place "CCCD Kiosk.lnk"))
    $link.TargetPath = $app
    $link.WorkingDirectory = $Target
    $link.Description = "CCCD check-in kiosk"
    $link.Save()
}

$kiosk = Join-Path $Target ".venv\Scripts\kiosk.exe"
Write-Host "Installed the kiosk in $Target."
Write-Host "  Check this PC:        $kiosk doctor"
Write-Host "  Try it (no camera):   $kiosk demo"
Write-Host "  The counter app:      Start menu > CCCD Kiosk (or $kiosk app)"
Write-Host "  Join the province:    $kiosk join BUNDLE --code CODE"
