/* Test-only stand-in for winbox.exe: appends its command line (UTF-8) to winbox-args.txt beside itself.
 * Built by tests/packaging/wine_gui.py: x86_64-w64-mingw32-gcc -O2 -municode -mwindows -o winbox.exe winbox.c */
#include <windows.h>

int WINAPI wWinMain(HINSTANCE inst, HINSTANCE prev, PWSTR args, int show) {
    WCHAR path[MAX_PATH];
    DWORD n = GetModuleFileNameW(NULL, path, MAX_PATH);
    while (n > 0 && path[n - 1] != L'\\') n--;
    lstrcpyW(path + n, L"winbox-args.txt");
    LPCWSTR line = GetCommandLineW();
    char text[4096];
    int len = WideCharToMultiByte(CP_UTF8, 0, line, -1, text, sizeof text - 2, NULL, NULL);
    if (len <= 0) return 1;
    text[len - 1] = '\n';
    HANDLE file = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return 2;
    DWORD written;
    WriteFile(file, text, (DWORD)len, &written, NULL);
    CloseHandle(file);
    return 0;
}
