/* Test-only: a Windows.UI.ViewManagement.UISettings runtime class for Wine 8, which has none.
 *
 * Qt 6.8's Windows platform plugin asks WinRT for UISettings (the accent and text colours) while it
 * builds its palette; Wine 8's combase finds no such class, C++/WinRT throws, and the GUI exe aborts
 * (exit 9) before any window. Registered in a test's own Wine prefix only (never shipped, never in a
 * build), this answers IUISettings3::GetColorValue with the Windows 10 default colours, so the real
 * GUI exe with the real "windows" platform can be driven on Xvfb.
 *
 * Built by tests/packaging/wine_gui.py with Debian's gcc-mingw-w64-x86-64-win32:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o uisettings.dll uisettings.c
 */
#include <windows.h>
#include <stddef.h>

typedef struct { BYTE A, R, G, B; } WinColor;
typedef void *HSTRING_;

static const GUID IID_IUnknown_ = {0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
static const GUID IID_IInspectable_ = {0xAF86E2E0, 0xB12D, 0x4C6A, {0x9C, 0x5A, 0xD7, 0xAA, 0x65, 0x10, 0x1E, 0x90}};
static const GUID IID_IAgileObject_ = {0x94EA2B94, 0xE9CC, 0x49E0, {0xC0, 0xFF, 0xEE, 0x64, 0xCA, 0x8F, 0x5B, 0x90}};
static const GUID IID_IActivationFactory_ = {0x00000035, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
static const GUID IID_IUISettings_ = {0x85361600, 0x1C63, 0x4627, {0xBC, 0xB1, 0x3A, 0x89, 0xE0, 0xBC, 0x9C, 0x55}};
static const GUID IID_IUISettings3_ = {0x03021BE4, 0x5254, 0x4781, {0x81, 0x94, 0x51, 0x68, 0xF7, 0xD0, 0x6D, 0x7B}};

typedef struct Settings {
    void **v1;  /* IUISettings (the default interface), IInspectable, IUnknown */
    void **v3;  /* IUISettings3 */
    LONG ref;
} Settings;

static void note(const char *what, REFIID riid) {
    char text[128];
    wsprintfA(text, "knockgui-test-uisettings: %s {%08lX-%04X-%04X}\n", what, riid->Data1, riid->Data2, riid->Data3);
    OutputDebugStringA(text);
}

static Settings *from_v1(void *self) { return (Settings *)self; }
static Settings *from_v3(void *self) { return (Settings *)((char *)self - offsetof(Settings, v3)); }

static HRESULT query(Settings *s, REFIID riid, void **out) {
    if (IsEqualGUID(riid, &IID_IUnknown_) || IsEqualGUID(riid, &IID_IInspectable_) ||
        IsEqualGUID(riid, &IID_IAgileObject_) || IsEqualGUID(riid, &IID_IUISettings_)) {
        *out = &s->v1;
    } else if (IsEqualGUID(riid, &IID_IUISettings3_)) {
        *out = &s->v3;
    } else {
        note("no interface", riid);
        *out = NULL;
        return E_NOINTERFACE;
    }
    InterlockedIncrement(&s->ref);
    return S_OK;
}

static ULONG release(Settings *s) {
    LONG left = InterlockedDecrement(&s->ref);
    if (left == 0) HeapFree(GetProcessHeap(), 0, s);
    return (ULONG)left;
}

static HRESULT WINAPI v1_query(void *self, REFIID riid, void **out) { return query(from_v1(self), riid, out); }
static ULONG WINAPI v1_addref(void *self) { return (ULONG)InterlockedIncrement(&from_v1(self)->ref); }
static ULONG WINAPI v1_release(void *self) { return release(from_v1(self)); }
static HRESULT WINAPI v3_query(void *self, REFIID riid, void **out) { return query(from_v3(self), riid, out); }
static ULONG WINAPI v3_addref(void *self) { return (ULONG)InterlockedIncrement(&from_v3(self)->ref); }
static ULONG WINAPI v3_release(void *self) { return release(from_v3(self)); }

static HRESULT WINAPI get_iids(void *self, ULONG *count, GUID **iids) { *count = 0; *iids = NULL; return S_OK; }
static HRESULT WINAPI get_class_name(void *self, HSTRING_ *name) { *name = NULL; return S_OK; }
static HRESULT WINAPI get_trust_level(void *self, int *level) { *level = 0; return S_OK; }
static HRESULT WINAPI not_implemented(void *self) { return E_NOTIMPL; }

static HRESULT WINAPI get_color_value(void *self, int type, WinColor *out) {
    /* Background, Foreground, AccentDark3..1, Accent, AccentLight1..3, Complement (Windows 10 defaults) */
    static const WinColor colours[] = {
        {255, 255, 255, 255}, {255, 0, 0, 0}, {255, 0, 38, 81}, {255, 0, 62, 146}, {255, 0, 90, 158},
        {255, 0, 120, 215}, {255, 0, 145, 248}, {255, 76, 194, 255}, {255, 153, 235, 255}, {0, 0, 0, 0},
    };
    if (type < 0 || type >= (int)(sizeof colours / sizeof colours[0])) return E_INVALIDARG;
    *out = colours[type];
    return S_OK;
}
static HRESULT WINAPI add_changed(void *self, void *handler, INT64 *token) { *token = 1; return S_OK; }
static HRESULT WINAPI remove_changed(void *self, INT64 token) { return S_OK; }

/* IUISettings: 13 property getters and UIElementColor after IInspectable's six. */
static void *v1_table[6 + 14] = {
    v1_query, v1_addref, v1_release, get_iids, get_class_name, get_trust_level,
    not_implemented, not_implemented, not_implemented, not_implemented, not_implemented, not_implemented, not_implemented,
    not_implemented, not_implemented, not_implemented, not_implemented, not_implemented, not_implemented, not_implemented,
};
static void *v3_table[] = {
    v3_query, v3_addref, v3_release, get_iids, get_class_name, get_trust_level,
    get_color_value, add_changed, remove_changed,
};

/* The activation factory: one static object. */
static HRESULT WINAPI factory_query(void *self, REFIID riid, void **out) {
    if (IsEqualGUID(riid, &IID_IUnknown_) || IsEqualGUID(riid, &IID_IInspectable_) ||
        IsEqualGUID(riid, &IID_IAgileObject_) || IsEqualGUID(riid, &IID_IActivationFactory_)) {
        *out = self;
        return S_OK;
    }
    note("factory: no interface", riid);
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG WINAPI factory_addref(void *self) { return 2; }
static ULONG WINAPI factory_release(void *self) { return 1; }
static HRESULT WINAPI activate_instance(void *self, void **instance) {
    Settings *s = HeapAlloc(GetProcessHeap(), 0, sizeof *s);
    if (!s) return E_OUTOFMEMORY;
    s->v1 = v1_table;
    s->v3 = v3_table;
    s->ref = 1;
    *instance = &s->v1;
    OutputDebugStringA("knockgui-test-uisettings: an instance was made\n");
    return S_OK;
}
static void *factory_table[] = {
    factory_query, factory_addref, factory_release, get_iids, get_class_name, get_trust_level, activate_instance,
};
static struct { void **vtbl; } factory = {factory_table};

__declspec(dllexport) HRESULT WINAPI DllGetActivationFactory(HSTRING_ id, void **out) {
    *out = &factory;
    return S_OK;
}

__declspec(dllexport) HRESULT WINAPI DllCanUnloadNow(void) { return S_FALSE; }
