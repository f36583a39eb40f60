"""knockgui.core.launch: command lines per platform and client, as data (the platform is a parameter).

Windows and macOS cannot run here, so their machines are tables of files and environment variables;
the same builders run for real on Linux in tests/core/test_connect_flow.py.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from knockgui.core.errors import InputError, LaunchError
from knockgui.core.launch import LaunchPlan, Machine, build_launch
from knockgui.core.model import NO_CLIENT, Router, Service
from knockgui.core.settings import Settings
from tests.testbed.routers import make_router, with_service

WIN_ENV = {
    "PATH": r"C:\Windows\system32;C:\Windows;C:\Tools",
    "ProgramFiles": r"C:\Program Files",
    "ProgramFiles(x86)": r"C:\Program Files (x86)",
    "USERPROFILE": r"C:\Users\tech",
    "LOCALAPPDATA": r"C:\Users\tech\AppData\Local",
    "SystemRoot": r"C:\Windows",
}
LINUX_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/home/tech"}
MAC_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/Users/tech"}
ENVS = {"win32": WIN_ENV, "linux": LINUX_ENV, "darwin": MAC_ENV}

WT = r"C:\Users\tech\AppData\Local\Microsoft\WindowsApps\wt.exe"
WIN_SSH = r"C:\Windows\System32\OpenSSH\ssh.exe"
WIN_TELNET = r"C:\Windows\system32\telnet.exe"
WIN_PUTTY = r"C:\Program Files\PuTTY\putty.exe"
WIN_RUNDLL = r"C:\Windows\system32\rundll32.exe"
MAC_WINBOX = "/Applications/WinBox.app/Contents/MacOS/WinBox"
OSA = "/usr/bin/osascript"


OWN_DIRS = {
    "win32": r"C:\Program Files\knockgui",
    "linux": "/opt/knockgui",
    "darwin": "/Applications/knockgui.app/Contents/MacOS",
}


def machine(platform: str, *files: str, **env: str) -> Machine:
    return Machine(platform, {**ENVS[platform], **env}, set(files).__contains__, OWN_DIRS[platform])


def plan(
    router: Router, platform: str, files: tuple[str, ...], settings: Settings | None = None, **kw: object
) -> LaunchPlan:
    return build_launch(router, settings or Settings(), platform, machine=machine(platform, *files), **kw)  # type: ignore[arg-type]


R4 = Router(name="core", host="10.0.0.1", user="admin")
R6 = Router(name="v6", host="2001:db8::1", user="admin")

# --- Winbox -------------------------------------------------------------------------------------------

WINBOX_CASES = [
    # (platform, files, router, settings, expected argv)
    (
        "win32",
        (r"C:\Program Files\WinBox\winbox64.exe",),
        R4,
        Settings(),
        [r"C:\Program Files\WinBox\winbox64.exe", "10.0.0.1", "admin"],
    ),
    (
        "win32",
        (r"C:\Users\tech\Downloads\WinBox.exe",),
        R4,
        Settings(),
        [r"C:\Users\tech\Downloads\WinBox.exe", "10.0.0.1", "admin"],
    ),
    (
        "win32",
        (r"C:\Users\tech\Desktop\winbox.exe",),
        R4,
        Settings(),
        [r"C:\Users\tech\Desktop\winbox.exe", "10.0.0.1", "admin"],
    ),
    (
        "win32",
        (r"C:\Tools\winbox64.exe", r"C:\Users\tech\Desktop\winbox.exe"),
        R4,
        Settings(),
        [r"C:\Tools\winbox64.exe", "10.0.0.1", "admin"],
    ),
    (
        "win32",
        (r"D:\wb\winbox.exe", r"C:\Tools\winbox64.exe"),
        R4,
        Settings(winbox_path=r"D:\wb\winbox.exe"),
        [r"D:\wb\winbox.exe", "10.0.0.1", "admin"],
    ),
    (
        "win32",
        (r"C:\Program Files\knockgui\winbox64.exe",),
        with_service(R4, port=8292),
        Settings(),
        [r"C:\Program Files\knockgui\winbox64.exe", "10.0.0.1:8292", "admin"],
    ),
    ("win32", (r"C:\Tools\winbox64.exe",), R6, Settings(), [r"C:\Tools\winbox64.exe", "[2001:db8::1]", "admin"]),
    (
        "win32",
        (r"C:\Tools\winbox64.exe",),
        with_service(R6, port=8000, user=""),
        Settings(),
        [r"C:\Tools\winbox64.exe", "[2001:db8::1]:8000"],
    ),
    ("linux", ("/usr/local/bin/WinBox",), R4, Settings(), ["/usr/local/bin/WinBox", "10.0.0.1", "admin"]),
    (
        "linux",
        ("/home/tech/Downloads/WinBox_Linux/WinBox",),
        R6,
        Settings(),
        ["/home/tech/Downloads/WinBox_Linux/WinBox", "[2001:db8::1]", "admin"],
    ),
    (
        "linux",
        ("/usr/bin/wine", "/home/tech/Downloads/winbox64.exe"),
        R4,
        Settings(),
        ["/usr/bin/wine", "/home/tech/Downloads/winbox64.exe", "10.0.0.1", "admin"],
    ),
    (
        "linux",
        ("/usr/bin/wine", "/srv/winbox.exe"),
        R4,
        Settings(winbox_path="/srv/winbox.exe"),
        ["/usr/bin/wine", "/srv/winbox.exe", "10.0.0.1", "admin"],
    ),
    (
        "linux",
        ("/home/tech/wb/WinBox",),
        with_service(R4, port=18291),
        Settings(winbox_path="~/wb/WinBox"),
        ["/home/tech/wb/WinBox", "10.0.0.1:18291", "admin"],
    ),
    ("linux", ("/opt/knockgui/WinBox",), R4, Settings(), ["/opt/knockgui/WinBox", "10.0.0.1", "admin"]),
    ("darwin", (MAC_WINBOX,), R4, Settings(), [MAC_WINBOX, "10.0.0.1", "admin"]),
    (
        "darwin",
        ("/Users/tech/Applications/WinBox.app/Contents/MacOS/WinBox",),
        R6,
        Settings(),
        ["/Users/tech/Applications/WinBox.app/Contents/MacOS/WinBox", "[2001:db8::1]", "admin"],
    ),
    (
        "darwin",
        ("/Volumes/x/WinBox.app/Contents/MacOS/WinBox",),
        R4,
        Settings(winbox_path="/Volumes/x/WinBox.app"),
        ["/Volumes/x/WinBox.app/Contents/MacOS/WinBox", "10.0.0.1", "admin"],
    ),
]


@pytest.mark.parametrize(("platform", "files", "router", "settings", "argv"), WINBOX_CASES)
def test_winbox_command_lines(
    platform: str, files: tuple[str, ...], router: Router, settings: Settings, argv: list[str]
) -> None:
    result = plan(router, platform, files, settings)
    assert list(result.argv) == argv
    assert result.label == "Winbox" and result.setting == "winbox_path"
    assert not result.console and result.tracks_session


@pytest.mark.parametrize("platform", ["win32", "linux", "darwin"])
def test_winbox_password_only_when_stored_and_opted_in(platform: str) -> None:
    exe = {"win32": r"C:\Tools\winbox64.exe", "linux": "/usr/bin/WinBox", "darwin": MAC_WINBOX}[platform]
    assert plan(R4, platform, (exe,), password="s3cret").argv[-1] == "admin"
    assert plan(replace(R4, pass_password=True), platform, (exe,), password=None).argv[-1] == "admin"
    opted = plan(replace(R4, pass_password=True), platform, (exe,), password="s3cret")
    assert opted.argv[-2:] == ("admin", "s3cret")
    assert "s3cret" not in repr(opted) and "s3cret" not in str(opted) and "s3cret" not in opted.description
    assert opted.shown_argv()[-1] == "********"
    # No user: the password cannot be given either.
    assert plan(replace(R4, user="", pass_password=True), platform, (exe,), password="s3cret").argv[-1] == "10.0.0.1"


@pytest.mark.parametrize(
    ("platform", "message"),
    [
        ("win32", "Winbox was not found: set its path in Settings (winbox_path) or put winbox64.exe on PATH."),
        ("linux", "Winbox was not found: set its path in Settings (winbox_path) or put WinBox on PATH."),
        ("darwin", "Winbox was not found: set its path in Settings (winbox_path) or put WinBox.app on PATH."),
    ],
)
def test_missing_winbox_names_the_setting(platform: str, message: str) -> None:
    with pytest.raises(LaunchError) as info:
        plan(R4, platform, ())
    assert str(info.value) == message


def test_windows_winbox_on_linux_without_wine() -> None:
    with pytest.raises(LaunchError, match=r"^Wine was not found and is needed to run the Windows Winbox"):
        plan(R4, "linux", ("/home/tech/Downloads/winbox64.exe",))


def test_configured_winbox_that_is_missing() -> None:
    with pytest.raises(
        LaunchError, match=r"^Winbox was not found at D:\\wb\\winbox.exe: fix its path in Settings \(winbox_path\)\.$"
    ):
        plan(R4, "win32", (r"C:\Tools\winbox64.exe",), Settings(winbox_path=r"D:\wb\winbox.exe"))


def test_winbox4_under_wayland_gets_xcb() -> None:
    m = Machine("linux", {**LINUX_ENV, "WAYLAND_DISPLAY": "wayland-0"}, {"/usr/bin/WinBox"}.__contains__)
    assert build_launch(R4, Settings(), "linux", machine=m).env == (("QT_QPA_PLATFORM", "xcb"),)
    assert plan(R4, "linux", ("/usr/bin/WinBox",)).env == ()


# --- SSH and telnet ----------------------------------------------------------------------------------

SSH = with_service(R4, service=Service.SSH)
TELNET = with_service(R4, service=Service.TELNET, user="")
PUTTY = Settings(ssh_client="putty")

TERMINAL_CASES = [
    # Windows: a new console, or Windows Terminal when present; PuTTY is a window of its own.
    ("win32", (WIN_SSH,), SSH, Settings(), [WIN_SSH, "-p", "22", "admin@10.0.0.1"], True),
    (
        "win32",
        (WIN_SSH, WT),
        SSH,
        Settings(),
        [
            WT,
            "-w",
            "new",
            "new-tab",
            "--title",
            "SSH to 10.0.0.1:22 as admin",
            "--",
            WIN_SSH,
            "-p",
            "22",
            "admin@10.0.0.1",
        ],
        False,
    ),
    ("win32", (WIN_TELNET,), TELNET, Settings(), [WIN_TELNET, "10.0.0.1", "23"], True),
    ("win32", (WIN_PUTTY,), SSH, PUTTY, [WIN_PUTTY, "-ssh", "-P", "22", "admin@10.0.0.1"], False),
    (
        "win32",
        (WIN_PUTTY,),
        with_service(TELNET, port=2323),
        PUTTY,
        [WIN_PUTTY, "-telnet", "-P", "2323", "10.0.0.1"],
        False,
    ),
    (
        "win32",
        (r"E:\putty.exe",),
        SSH,
        Settings(ssh_client="putty", putty_path=r"E:\putty.exe"),
        [r"E:\putty.exe", "-ssh", "-P", "22", "admin@10.0.0.1"],
        False,
    ),
    # Linux: the terminal setting, then the first known terminal, each with its own syntax.
    (
        "linux",
        ("/usr/bin/ssh", "/usr/bin/xterm"),
        SSH,
        Settings(),
        ["/usr/bin/xterm", "-e", "/usr/bin/ssh", "-p", "22", "admin@10.0.0.1"],
        False,
    ),
    (
        "linux",
        ("/usr/bin/ssh", "/usr/bin/x-terminal-emulator", "/usr/bin/xterm"),
        SSH,
        Settings(),
        ["/usr/bin/x-terminal-emulator", "-e", "/usr/bin/ssh", "-p", "22", "admin@10.0.0.1"],
        False,
    ),
    (
        "linux",
        ("/usr/bin/ssh", "/usr/bin/gnome-terminal"),
        with_service(SSH, port=2222),
        Settings(),
        ["/usr/bin/gnome-terminal", "--wait", "--", "/usr/bin/ssh", "-p", "2222", "admin@10.0.0.1"],
        False,
    ),
    (
        "linux",
        ("/usr/bin/ssh", "/usr/bin/konsole"),
        SSH,
        Settings(),
        ["/usr/bin/konsole", "--nofork", "-e", "/usr/bin/ssh", "-p", "22", "admin@10.0.0.1"],
        False,
    ),
    (
        "linux",
        ("/usr/bin/telnet", "/usr/bin/xfce4-terminal"),
        TELNET,
        Settings(),
        ["/usr/bin/xfce4-terminal", "--disable-server", "-x", "/usr/bin/telnet", "10.0.0.1", "23"],
        False,
    ),
    (
        "linux",
        ("/usr/bin/ssh", "/usr/bin/xterm", "/usr/bin/kitty"),
        SSH,
        Settings(terminal="kitty"),
        ["/usr/bin/kitty", "/usr/bin/ssh", "-p", "22", "admin@10.0.0.1"],
        False,
    ),
    (
        "linux",
        ("/usr/bin/ssh", "/opt/myterm"),
        SSH,
        Settings(terminal="/opt/myterm"),
        ["/opt/myterm", "-e", "/usr/bin/ssh", "-p", "22", "admin@10.0.0.1"],
        False,
    ),
    (
        "linux",
        ("/usr/bin/ssh", "/usr/bin/xterm"),
        replace(SSH, host="2001:db8::1"),
        Settings(ssh_options="-i '/home/tech/my key' -o BatchMode=yes"),
        [
            "/usr/bin/xterm",
            "-e",
            "/usr/bin/ssh",
            "-i",
            "/home/tech/my key",
            "-o",
            "BatchMode=yes",
            "-p",
            "22",
            "admin@2001:db8::1",
        ],
        False,
    ),
    ("linux", ("/usr/bin/putty",), SSH, PUTTY, ["/usr/bin/putty", "-ssh", "-P", "22", "admin@10.0.0.1"], False),
    # macOS: Terminal.app through osascript.
    (
        "darwin",
        ("/usr/bin/ssh",),
        SSH,
        Settings(),
        [
            OSA,
            "-e",
            'tell application "Terminal" to do script "/usr/bin/ssh -p 22 admin@10.0.0.1"',
            "-e",
            'tell application "Terminal" to activate',
        ],
        False,
    ),
    (
        "darwin",
        ("/usr/local/bin/telnet",),
        TELNET,
        Settings(),
        [
            OSA,
            "-e",
            'tell application "Terminal" to do script "/usr/local/bin/telnet 10.0.0.1 23"',
            "-e",
            'tell application "Terminal" to activate',
        ],
        False,
    ),
    (
        "darwin",
        ("/usr/local/bin/putty",),
        SSH,
        PUTTY,
        ["/usr/local/bin/putty", "-ssh", "-P", "22", "admin@10.0.0.1"],
        False,
    ),
]


@pytest.mark.parametrize(("platform", "files", "router", "settings", "argv", "console"), TERMINAL_CASES)
def test_ssh_and_telnet_command_lines(
    platform: str, files: tuple[str, ...], router: Router, settings: Settings, argv: list[str], console: bool
) -> None:
    result = plan(router, platform, files, settings)
    assert list(result.argv) == argv
    assert result.console is console


def test_tracking_per_terminal() -> None:
    assert plan(SSH, "linux", ("/usr/bin/ssh", "/usr/bin/xterm")).tracks_session
    assert not plan(SSH, "linux", ("/usr/bin/ssh", "/usr/bin/x-terminal-emulator")).tracks_session
    assert not plan(SSH, "win32", (WIN_SSH, WT)).tracks_session
    assert plan(SSH, "win32", (WIN_SSH,)).tracks_session
    assert not plan(SSH, "darwin", ("/usr/bin/ssh",)).tracks_session


def test_windows_terminal_escapes_its_command_separator() -> None:
    result = plan(SSH, "win32", (WIN_SSH, WT), Settings(ssh_options='-o "ProxyCommand=a;b"'))
    assert "ProxyCommand=a\\;b" in result.argv


@pytest.mark.parametrize(
    ("platform", "files", "settings", "message"),
    [
        (
            "linux",
            ("/usr/bin/ssh",),
            Settings(),
            "No terminal was found to run OpenSSH: set one in Settings (terminal) or install xterm or another terminal.",
        ),
        (
            "linux",
            ("/usr/bin/ssh", "/usr/bin/xterm"),
            Settings(terminal="tilix"),
            "The terminal was not found: set its path in Settings (terminal) or put tilix on PATH.",
        ),
        (
            "linux",
            ("/usr/bin/xterm",),
            Settings(),
            "OpenSSH was not found: set its path in Settings (ssh_path) or put ssh on PATH.",
        ),
        ("win32", (), Settings(), "OpenSSH was not found: set its path in Settings (ssh_path) or put ssh.exe on PATH."),
        ("win32", (), PUTTY, "PuTTY was not found: set its path in Settings (putty_path) or put putty.exe on PATH."),
    ],
)
def test_missing_clients_name_the_setting(
    platform: str, files: tuple[str, ...], settings: Settings, message: str
) -> None:
    with pytest.raises(LaunchError) as info:
        plan(SSH, platform, files, settings)
    assert str(info.value) == message


def test_macos_terminal_script_quotes_arguments() -> None:
    result = plan(SSH, "darwin", ("/usr/bin/ssh",), Settings(ssh_options="-o 'SetEnv=A=\"b c\"'"))
    assert result.argv[2] == (
        'tell application "Terminal" to do script "/usr/bin/ssh -o \'SetEnv=A=\\"b c\\"\' -p 22 admin@10.0.0.1"'
    )


# --- WebFig ------------------------------------------------------------------------------------------

WEB = with_service(R4, service=Service.WEBFIG)


@pytest.mark.parametrize(
    ("platform", "files", "router", "argv"),
    [
        ("linux", ("/usr/bin/xdg-open",), WEB, ["/usr/bin/xdg-open", "http://10.0.0.1/"]),
        ("linux", ("/usr/bin/xdg-open",), with_service(WEB, port=443), ["/usr/bin/xdg-open", "https://10.0.0.1/"]),
        ("linux", ("/usr/bin/xdg-open",), with_service(WEB, port=8080), ["/usr/bin/xdg-open", "http://10.0.0.1:8080/"]),
        (
            "linux",
            ("/usr/bin/xdg-open",),
            with_service(WEB, host="[fd00::2]", port=443),
            ["/usr/bin/xdg-open", "https://[fd00::2]/"],
        ),
        ("darwin", (), replace(WEB, host="fd00::2"), ["/usr/bin/open", "http://[fd00::2]/"]),
        (
            "win32",
            (WIN_RUNDLL,),
            with_service(WEB, port=8443),
            [WIN_RUNDLL, "url.dll,FileProtocolHandler", "https://10.0.0.1:8443/"],
        ),
    ],
)
def test_webfig_command_lines(platform: str, files: tuple[str, ...], router: Router, argv: list[str]) -> None:
    result = plan(router, platform, files)
    assert list(result.argv) == argv and not result.tracks_session


def test_webfig_with_a_browser_setting() -> None:
    result = plan(WEB, "linux", ("/usr/bin/firefox",), Settings(browser="firefox"))
    assert result.argv == ("/usr/bin/firefox", "http://10.0.0.1/")


# --- custom commands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "files", "template", "argv"),
    [
        ("linux", ("/usr/bin/myclient",), "myclient {host} {port}", ["/usr/bin/myclient", "10.0.0.1", "8291"]),
        (
            "linux",
            ("/usr/bin/myclient",),
            "myclient --to={user}@{host}:{port} 'a b' \"c d\"",
            ["/usr/bin/myclient", "--to=admin@10.0.0.1:8291", "a b", "c d"],
        ),
        (
            "linux",
            ("/usr/bin/myclient",),
            "myclient '$(reboot)' ;rm -rf / `x` {host}",
            ["/usr/bin/myclient", "$(reboot)", ";rm", "-rf", "/", "`x`", "10.0.0.1"],
        ),
        ("linux", ("/opt/my tool/run",), "'/opt/my tool/run' {host}", ["/opt/my tool/run", "10.0.0.1"]),
        (
            "win32",
            (r"C:\Tools\client.exe",),
            r'"C:\Tools\client.exe" /host {host} /port {port}',
            [r"C:\Tools\client.exe", "/host", "10.0.0.1", "/port", "8291"],
        ),
        ("darwin", ("/usr/local/bin/mc",), "mc {host}#{port}", ["/usr/local/bin/mc", "10.0.0.1#8291"]),
    ],
)
def test_custom_command_templates(platform: str, files: tuple[str, ...], template: str, argv: list[str]) -> None:
    router = with_service(R4, service=Service.CUSTOM, command=template)
    assert list(plan(router, platform, files).argv) == argv


def test_custom_command_problems() -> None:
    router = with_service(R4, service=Service.CUSTOM, command="")
    with pytest.raises(InputError, match=r'^The router "core" has no custom command'):
        plan(router, "linux", ())
    with pytest.raises(InputError, match="unclosed quote"):
        plan(with_service(router, command="client 'oops {host}"), "linux", ("/usr/bin/client",))
    with pytest.raises(LaunchError, match=r"^The program nothere of core's custom command was not found"):
        plan(with_service(router, command="nothere {host}"), "linux", ())


# --- hostile hosts and users ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "-oProxyCommand=touch /tmp/x",
        "--help",
        "10.0.0.1 -e",
        "host\tname",
        "a\nb",
        "evil.com/@x",
        "x;reboot",
        "$(id)",
        "",
        "  ",
        "[-x]",
    ],
)
@pytest.mark.parametrize("service", list(Service))
def test_hostile_hosts_are_refused(host: str, service: Service) -> None:
    router = with_service(R4, host=host, service=service, command="client {host}")
    files = (
        "/usr/bin/WinBox",
        "/usr/bin/ssh",
        "/usr/bin/telnet",
        "/usr/bin/xterm",
        "/usr/bin/xdg-open",
        "/usr/bin/client",
    )
    with pytest.raises(InputError):
        plan(router, "linux", files)


@pytest.mark.parametrize("user", ["-oProxyCommand=x", "ad min", "a\tb", "a\x00b", "a\x1bb"])
def test_hostile_users_are_refused(user: str) -> None:
    with pytest.raises(InputError, match="user"):
        plan(replace(SSH, user=user), "linux", ("/usr/bin/ssh", "/usr/bin/xterm"))


def test_names_cannot_inject_anything() -> None:
    # A router's name is only a label: even a hostile one never reaches the argv of a built-in client.
    router = replace(SSH, name="-e rm -rf ~; $(reboot)")
    result = plan(router, "linux", ("/usr/bin/ssh", "/usr/bin/xterm"))
    assert result.argv == ("/usr/bin/xterm", "-e", "/usr/bin/ssh", "-p", "22", "admin@10.0.0.1")


# --- every platform × service × client: invariants ---------------------------------------------------

ALL_FILES = {
    "win32": (r"C:\Tools\winbox64.exe", WIN_SSH, WIN_TELNET, WIN_PUTTY, WIN_RUNDLL, r"C:\Tools\client.exe"),
    "linux": (
        "/usr/bin/WinBox",
        "/usr/bin/ssh",
        "/usr/bin/telnet",
        "/usr/bin/putty",
        "/usr/bin/xterm",
        "/usr/bin/xdg-open",
        "/usr/bin/client",
    ),
    "darwin": (MAC_WINBOX, "/usr/bin/ssh", "/usr/local/bin/telnet", "/usr/local/bin/putty", "/usr/local/bin/client"),
}
SHELLS = {"sh", "bash", "cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh", "zsh"}


@pytest.mark.parametrize("client", ["openssh", "putty"])
@pytest.mark.parametrize("service", list(Service))
@pytest.mark.parametrize("platform", ["win32", "linux", "darwin"])
@pytest.mark.parametrize("host", ["10.0.0.1", "2001:db8::1", "router-1.example.net"])
def test_every_combination_is_an_argument_list_without_a_shell(
    platform: str, service: Service, client: str, host: str
) -> None:
    command = "client {host} {port} {user}" if service is Service.CUSTOM else ""
    router = make_router("r", host, user="admin", service=service, command=command, pass_password=True)
    if service in NO_CLIENT:
        with pytest.raises(InputError, match="no client"):
            plan(router, platform, ALL_FILES[platform], Settings(ssh_client=client), password="pw")
        return
    result = plan(router, platform, ALL_FILES[platform], Settings(ssh_client=client), password="pw")
    assert isinstance(result.argv, tuple) and all(isinstance(a, str) and a for a in result.argv)
    assert result.argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower() not in SHELLS
    assert any(host in a for a in result.argv)
    # Only Winbox may carry the password, and only as the last argument, masked in the repr.
    if service is Service.WINBOX:
        assert result.argv[-1] == "pw" and "pw" not in repr(result)
    else:
        assert "pw" not in result.argv and not result.secret_args
