; knockgui's Windows installer (NSIS 3; makensis runs on Linux too). Per-user: no admin rights asked.
; Built by build_scripts/build.py --installer (--windows on Linux), which passes
;   /DVERSION=0.1.0 /DVERSION4=0.1.0.0 /DSOURCE=<the folder build> /DOUTFILE=<setup exe> /DICON=<knockgui.ico>
; What it does: copies the folder build to %LOCALAPPDATA%\Programs\knockgui, a Start-menu shortcut,
; knockgui:// and winbox:// under HKCU\Software\Classes (the same values knockgui's own "Open links"
; writes, knockgui/core/linkreg.py), an entry in Apps & features, and, if chosen, starts knockgui with
; Windows in the tray (HKCU Run "knockgui", the same value knockgui's own setting writes,
; knockgui/core/autostart.py). The uninstaller removes all of that and keeps the user's routers and
; settings (%APPDATA%\knockgui) and the secrets in Windows Credential Manager, and says so.
; Silent: knockgui-setup-VERSION.exe /S [/AUTOSTART] [/D=FOLDER]; uninstall: uninstall.exe /S.

; 64-bit installer: knockgui is a 64-bit program (and Wine here runs 64-bit programs only)
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel user
; zlib, not lzma: lzma saves ~10 MB of download but takes ~10x longer to build (about 110 s on two busy cores)
SetCompressor zlib

!include "FileFunc.nsh"
!include "Sections.nsh"

!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\knockgui"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define KEPT "Your routers and settings in $APPDATA\knockgui and the knock sequences and passwords in Windows Credential Manager were kept. Delete that folder and the knockgui entries in Credential Manager yourself if you no longer need them."

Name "knockgui ${VERSION}"
OutFile "${OUTFILE}"
Icon "${ICON}"
UninstallIcon "${ICON}"
InstallDir "$LOCALAPPDATA\Programs\knockgui"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
ShowInstDetails show
ShowUninstDetails show
BrandingText "knockgui ${VERSION}"

VIProductVersion "${VERSION4}"
VIAddVersionKey "ProductName" "knockgui"
VIAddVersionKey "CompanyName" "knockgui"
VIAddVersionKey "FileDescription" "knockgui ${VERSION} setup (this user only, no admin rights)"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT licence"
VIAddVersionKey "OriginalFilename" "knockgui-setup-${VERSION}.exe"

Page components
Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles
UninstallText "This removes knockgui's program files, its Start-menu entry, its knockgui:// and winbox:// links and its start with Windows entry. Your routers and settings ($APPDATA\knockgui) and the sequences and passwords in Windows Credential Manager are kept."

!macro Link SCHEME
  WriteRegStr HKCU "Software\Classes\${SCHEME}" "" "URL:${SCHEME} link (knockgui)"
  WriteRegStr HKCU "Software\Classes\${SCHEME}" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\${SCHEME}\DefaultIcon" "" '"$INSTDIR\knockgui.exe",0'
  WriteRegStr HKCU "Software\Classes\${SCHEME}\shell\open\command" "" '"$INSTDIR\knockgui.exe" "%1"'
!macroend

!macro UnLink SCHEME
  ; Only when the link still opens this knockgui (another program may have taken winbox:// since).
  ReadRegStr $0 HKCU "Software\Classes\${SCHEME}\shell\open\command" ""
  StrCmp $0 '"$INSTDIR\knockgui.exe" "%1"' 0 +2
    DeleteRegKey HKCU "Software\Classes\${SCHEME}"
!macroend

Section "knockgui (required)" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File /r "${SOURCE}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\knockgui.lnk" "$INSTDIR\knockgui.exe" "" "$INSTDIR\knockgui.exe" 0 SW_SHOWNORMAL "" "Knock, check and connect to MikroTik routers"
  !insertmacro Link "knockgui"
  !insertmacro Link "winbox"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "knockgui"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "knockgui"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" '"$INSTDIR\knockgui.exe",0'
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

Section /o "Start with Windows (in the tray)" SecAutostart
  WriteRegStr HKCU "${RUN_KEY}" "knockgui" '"$INSTDIR\knockgui.exe" --tray'
SectionEnd

Function .onInit
  ; /AUTOSTART on the command line ticks "Start with Windows" (for silent installs: /S /AUTOSTART).
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/AUTOSTART" $R1
  IfErrors +2
    !insertmacro SelectSection ${SecAutostart}
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\knockgui.lnk"
  !insertmacro UnLink "knockgui"
  !insertmacro UnLink "winbox"
  DeleteRegValue HKCU "${RUN_KEY}" "knockgui"
  DeleteRegKey HKCU "${UNINST_KEY}"
  ; Only what the installer put there (never RMDir /r of a folder the user may have chosen).
  Delete "$INSTDIR\knockgui.exe"
  Delete "$INSTDIR\knockgui-cli.exe"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DetailPrint "${KEPT}"
  MessageBox MB_OK|MB_ICONINFORMATION "knockgui was removed. ${KEPT}" /SD IDOK
SectionEnd
