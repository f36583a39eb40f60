"""Command builders: what to start for a router's service, as data, with the platform as a parameter.

:func:`build_launch` turns a router and the settings into a :class:`LaunchPlan` (an argument list,
never a shell line) for ``win32``, ``linux`` or ``darwin``. Programs are looked up through a
:class:`~knockgui.core.process.Locator` (setting, PATH, then the usual folders), whose file checks and
environment can be replaced, so Windows and macOS plans are testable here. Starting the plan is
:func:`knockgui.core.process.start`'s job.

Safety: a host or user that starts with ``-`` or holds whitespace or control characters is refused,
so a router's fields can never become options or extra arguments of the launched program.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from knockgui.core import process
from knockgui.core.errors import InputError, LaunchError
from knockgui.core.model import NO_CLIENT, Router, Service, ServiceSpec
from knockgui.core.settings import Settings

WINBOX_PORT = 8291
MASK = "********"

# Linux terminals and how each runs a command: the argv that goes before the command's own argv.
# ``tracks`` says whether the terminal's process lives as long as the session (keep-open can watch it).
TERMINALS: dict[str, tuple[tuple[str, ...], bool]] = {
    "x-terminal-emulator": (("-e",), False),
    "gnome-terminal": (("--wait", "--"), True),
    "konsole": (("--nofork", "-e"), True),
    "xfce4-terminal": (("--disable-server", "-x"), True),
    "xterm": (("-e",), True),
    "alacritty": (("-e",), True),
    "kitty": ((), True),
    "foot": ((), True),
}
TERMINAL_ORDER = ("x-terminal-emulator", "gnome-terminal", "konsole", "xfce4-terminal", "xterm")


@dataclass(frozen=True)
class LaunchPlan:
    """What to start. ``argv`` may hold a password (at ``secret_args``): the repr masks it."""

    argv: tuple[str, ...]
    description: str  # for the user: "Winbox to 10.0.0.1 as admin" (never a password)
    label: str = ""  # the program, for error sentences: "Winbox", "OpenSSH"
    setting: str | None = None  # the setting that names the program, for error sentences
    console: bool = False  # Windows: give it a new console window
    env: tuple[tuple[str, str], ...] = ()  # extra environment variables
    secret_args: frozenset[int] = frozenset()
    tracks_session: bool = True  # the started process lives as long as the session (keep-open can watch it)

    def shown_argv(self) -> tuple[str, ...]:
        """``argv`` with secrets masked, safe to show or log."""
        return tuple(MASK if i in self.secret_args else a for i, a in enumerate(self.argv))

    def __repr__(self) -> str:
        return f"LaunchPlan(argv={self.shown_argv()!r}, description={self.description!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class Machine:
    """The computer a plan is for: its platform, environment and files (replaceable for tests)."""

    platform: str = sys.platform
    env: Mapping[str, str] | None = None
    is_executable: Callable[[str], bool] = process.is_executable_file
    own_dir: str | None = None  # the folder of knockgui's own executable

    def locator(self) -> process.Locator:
        return process.Locator(self.platform, self.env, self.is_executable)

    def environ(self) -> Mapping[str, str]:
        return self.locator().env


def own_dir() -> str | None:
    """The folder of knockgui's executable (the frozen app, or the script that started us)."""
    if getattr(sys, "frozen", False):
        return str(Path(sys.executable).parent)
    return str(Path(sys.argv[0]).resolve().parent) if sys.argv and sys.argv[0] else None


# --- validation ----------------------------------------------------------------------------------------


def check_host(host: str) -> str:
    """The host to use (IPv6 brackets removed), or :class:`InputError` if it could inject anything.

    The inventory's own host check (:func:`knockgui.core.validate.check_host`): one validator for what is
    saved and what is started; it admits only host names, IPv4 and IPv6 addresses (no '-' first, no space,
    no shell or URL character).
    """
    from knockgui.core.validate import check_host as valid_host

    return valid_host(host)


def check_user(user: str) -> str:
    """The user name, or :class:`InputError` if it could inject an option or an argument."""
    if user.startswith("-"):
        raise InputError("The router's user starts with '-', which is not allowed: fix the user in its settings.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in user):
        raise InputError("The router's user holds spaces or control characters: fix the user in its settings.")
    return user


def is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).version == 6
    except ValueError:
        return False


def bracketed(host: str) -> str:
    """``host`` as it goes before ``:PORT`` (IPv6 in brackets)."""
    return f"[{host}]" if is_ipv6(host) else host


# --- the builders ------------------------------------------------------------------------------------


def build_launch(
    router: Router,
    settings: Settings,
    platform: str = sys.platform,
    password: str | None = None,
    *,
    machine: Machine | None = None,
    service: ServiceSpec | None = None,
    address: str | None = None,
) -> LaunchPlan:
    """The plan to start ``service`` (default: the router's default service) on ``platform``.

    ``address`` is where the knock went (the client gets it instead of the host name, so it connects to
    the address that was let in); with ``router.connect_by_name`` the name is given instead. LaunchError
    when the program is missing, InputError for a service knockgui has no client for.
    """
    if machine is None:
        machine = Machine(platform=platform, own_dir=own_dir())
    elif machine.platform != platform:
        machine = Machine(platform, machine.env, machine.is_executable, machine.own_dir)
    spec = service or router.default_service
    name = check_host(router.host)
    host = name if address is None or router.connect_by_name else check_host(address)
    user = check_user(router.user_for(spec))
    target = Target(router, spec, host, name, user)
    if spec.kind is Service.WINBOX:
        return winbox_plan(target, settings, machine, password)
    if spec.kind in (Service.SSH, Service.TELNET):
        return terminal_plan(target, settings, machine)
    if spec.kind in (Service.WEBFIG, Service.WEBFIG_HTTPS):
        return webfig_plan(target, settings, machine)
    if spec.kind in NO_CLIENT:
        raise InputError(
            f"knockgui has no client for the {spec.label} service of {router.name}: knock only, then start your own client."
        )
    return custom_plan(target, machine)


@dataclass(frozen=True)
class Target:
    """What a plan connects to: the service, the host to give the client (the knocked address, or the
    name), the router's host name (for SSH host keys), and the login."""

    router: Router
    spec: ServiceSpec
    host: str
    name: str
    user: str

    @property
    def port(self) -> int:
        return self.spec.effective_port

    @property
    def by_address(self) -> bool:
        """The client gets an address that differs from the saved host name."""
        return self.host != self.name and not is_ip(self.name)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _join(platform: str, *parts: str) -> str:
    return str(process.pure_path(platform)(*parts))


def winbox_dirs(machine: Machine) -> list[str]:
    """The usual places for Winbox after the setting and PATH, computed from the machine's environment."""
    env, p = machine.environ(), machine.platform
    dirs = [machine.own_dir] if machine.own_dir else []
    if p == "win32":
        for var in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432"):
            base = env.get(var)
            if base:
                dirs += [
                    base,
                    _join(p, base, "WinBox"),
                    _join(p, base, "MikroTik"),
                    _join(p, base, "MikroTik", "WinBox"),
                ]
        if env.get("LOCALAPPDATA"):
            dirs.append(_join(p, env["LOCALAPPDATA"], "Programs", "WinBox"))
        home = env.get("USERPROFILE")
        if home:
            dirs += [_join(p, home, "Downloads"), _join(p, home, "Desktop")]
    elif p == "darwin":
        dirs.insert(0, "/Applications/WinBox.app/Contents/MacOS")
        if env.get("HOME"):
            dirs.insert(1, _join(p, env["HOME"], "Applications", "WinBox.app", "Contents", "MacOS"))
    elif env.get("HOME"):
        home = env["HOME"]
        dirs += [_join(p, home, d) for d in ("Downloads/WinBox_Linux", "Downloads", "Desktop", ".local/bin")]
        dirs += ["/opt/WinBox", "/opt/winbox"]
    return list(dict.fromkeys(dirs))


def _winbox_program(settings: Settings, machine: Machine) -> list[str]:
    """The argv prefix that starts Winbox on this machine (``wine`` for a Windows Winbox on Linux)."""
    p, locator = machine.platform, machine.locator()
    windows_names = ["winbox64.exe", "WinBox.exe", "winbox.exe"]
    hint = {"win32": "winbox64.exe", "darwin": "WinBox.app"}.get(p, "WinBox")
    configured = locator.expand(settings.winbox_path.strip())
    if p == "darwin" and configured.rstrip("/").endswith(".app"):
        configured = _join(p, configured.rstrip("/"), "Contents", "MacOS", "WinBox")
    if configured:
        if p == "linux" and configured.lower().endswith(".exe"):
            return [_wine(machine), _existing_file(configured, machine)]
        found = locator.find([configured])
        if not found:
            raise process.not_found_error("Winbox", configured, "winbox_path", is_path=locator.is_path(configured))
        return [found]
    dirs = winbox_dirs(machine)
    names = windows_names if p == "win32" else ["WinBox", "winbox"]
    found = locator.find(names, dirs)
    if found:
        return [found]
    if p == "linux":
        files = process.Locator(p, machine.env, lambda path: machine.is_executable(path) or Path(path).is_file())
        exe = files.find(windows_names, dirs)
        if exe:
            return [_wine(machine), exe]
    raise process.not_found_error("Winbox", hint, "winbox_path")


def _existing_file(path: str, machine: Machine) -> str:
    if machine.is_executable(path) or Path(path).is_file():
        return path
    raise process.not_found_error("Winbox", path, "winbox_path", is_path=True)


def _wine(machine: Machine) -> str:
    wine = machine.locator().find(["wine"])
    if not wine:
        raise LaunchError(
            "Wine was not found and is needed to run the Windows Winbox: install wine, or set winbox_path to a native WinBox."
        )
    return wine


def winbox_plan(t: Target, settings: Settings, machine: Machine, password: str | None) -> LaunchPlan:
    port, user, router = t.port, t.user, t.router
    target = bracketed(t.host) + (f":{port}" if port != WINBOX_PORT else "")
    argv = [*_winbox_program(settings, machine), target]
    secret: frozenset[int] = frozenset()
    if user:
        argv.append(user)
        if password and router.pass_password:
            argv.append(password)
            secret = frozenset({len(argv) - 1})
    env: tuple[tuple[str, str], ...] = ()
    environ = machine.environ()
    if machine.platform == "linux" and environ.get("WAYLAND_DISPLAY") and "QT_QPA_PLATFORM" not in environ:
        env = (("QT_QPA_PLATFORM", "xcb"),)  # WinBox 4 is a Qt app that may need X11 under Wayland
    who = f" as {user}" if user else ""
    return LaunchPlan(tuple(argv), f"Winbox to {target}{who}", "Winbox", "winbox_path", False, env, secret)


def _client(settings: Settings, machine: Machine, service: Service) -> tuple[str, str, str]:
    """(path, label, setting) of the SSH/telnet client chosen in the settings."""
    locator = machine.locator()
    if settings.ssh_client == "putty":
        names = [settings.putty_path.strip()] if settings.putty_path.strip() else ["putty"]
        label, setting = "PuTTY", "putty_path"
        extra: list[str] = []
        env = machine.environ()
        for var in ("ProgramFiles", "ProgramFiles(x86)"):
            if machine.platform == "win32" and env.get(var):
                extra.append(_join("win32", env[var], "PuTTY"))
    else:
        key = "ssh_path" if service is Service.SSH else "telnet_path"
        value = getattr(settings, key).strip()
        names = [value] if value else ["ssh" if service is Service.SSH else "telnet"]
        label, setting, extra = ("OpenSSH" if service is Service.SSH else "telnet"), key, []
        if machine.platform == "win32" and machine.environ().get("SystemRoot"):
            extra.append(_join("win32", machine.environ()["SystemRoot"], "System32", "OpenSSH"))
    found = locator.find([locator.expand(n) for n in names], extra)
    if not found:
        shown = names[0] + (".exe" if machine.platform == "win32" and "." not in names[0] else "")
        raise process.not_found_error(label, shown, setting, is_path=locator.is_path(names[0]))
    return found, label, setting


def terminal_plan(t: Target, settings: Settings, machine: Machine) -> LaunchPlan:
    port, host, user = t.port, t.host, t.user
    client, label, setting = _client(settings, machine, t.spec.kind)
    ssh = t.spec.kind is Service.SSH
    # Connecting to the knocked address: SSH still checks the host key stored under the router's name.
    alias = t.name if ssh and t.by_address else ""
    target = f"{user}@{host}" if user and ssh else host
    what = "SSH" if ssh else "telnet"
    description = f"{what} to {bracketed(host)}:{port}" + (f" as {user}" if user and ssh else "")
    if settings.ssh_client == "putty":
        argv = [client, "-ssh" if ssh else "-telnet", *(["-loghost", alias] if alias else []), "-P", str(port), target]
        return LaunchPlan(tuple(argv), f"{description} (PuTTY)", label, setting)
    if ssh:
        options = _split(settings.ssh_options, machine.platform, "ssh_options")
        command = [client, *options, *(["-o", f"HostKeyAlias={alias}"] if alias else []), "-p", str(port), target]
    else:
        command = [client, host, str(port)]
    return _in_terminal(command, description, label, setting, settings, machine)


def _in_terminal(
    command: list[str], description: str, label: str, setting: str, settings: Settings, machine: Machine
) -> LaunchPlan:
    p, locator = machine.platform, machine.locator()
    if p == "win32":
        local = machine.environ().get("LOCALAPPDATA")
        wt = locator.find(["wt.exe"], [_join(p, local, "Microsoft", "WindowsApps")] if local else [])
        if wt:
            escaped = [a.replace(";", "\\;") for a in command]  # wt treats ';' as its own command separator
            argv = [wt, "-w", "new", "new-tab", "--title", description, "--", *escaped]
            return LaunchPlan(tuple(argv), f"{description} in Windows Terminal", label, setting, tracks_session=False)
        return LaunchPlan(tuple(command), description, label, setting, console=True)
    if p == "darwin":
        line = " ".join(shlex.quote(a) for a in command)
        script = 'tell application "Terminal" to do script "{}"'.format(line.replace("\\", "\\\\").replace('"', '\\"'))
        argv = ["/usr/bin/osascript", "-e", script, "-e", 'tell application "Terminal" to activate']
        return LaunchPlan(tuple(argv), f"{description} in Terminal", label, setting, tracks_session=False)
    configured = locator.expand(settings.terminal.strip())
    found = locator.find([configured] if configured else list(TERMINAL_ORDER))
    if not found:
        if configured:
            raise process.not_found_error("The terminal", configured, "terminal", is_path=locator.is_path(configured))
        raise LaunchError(
            f"No terminal was found to run {label}: set one in Settings (terminal) or install xterm or another terminal."
        )
    name = process.pure_path(p)(found).name
    prefix, tracks = TERMINALS.get(name, (("-e",), True))
    term_label = f"{label} in {name}"
    return LaunchPlan(
        (found, *prefix, *command), f"{description} in {name}", term_label, "terminal", tracks_session=tracks
    )


def webfig_plan(t: Target, settings: Settings, machine: Machine) -> LaunchPlan:
    port, host = t.port, t.host
    https = t.spec.kind is Service.WEBFIG_HTTPS or (t.spec.kind is Service.WEBFIG and port in (443, 8443))
    scheme = "https" if https else "http"
    default = 443 if scheme == "https" else 80
    url = f"{scheme}://{bracketed(host)}" + (f":{port}" if port != default else "") + "/"
    locator, p = machine.locator(), machine.platform
    if settings.browser.strip():
        configured = locator.expand(settings.browser.strip())
        found = locator.find([configured])
        if not found:
            raise process.not_found_error("The browser", configured, "browser", is_path=locator.is_path(configured))
        return LaunchPlan((found, url), f"WebFig at {url}", "The browser", "browser")
    if p == "win32":
        root = machine.environ().get("SystemRoot")
        found = locator.find(["rundll32.exe"], [_join(p, root, "System32")] if root else [])
        argv: list[str] = [found or "rundll32.exe", "url.dll,FileProtocolHandler", url]
    elif p == "darwin":
        argv = ["/usr/bin/open", url]
    else:
        opener = locator.find(["xdg-open"])
        if not opener:
            raise LaunchError(
                "No browser opener (xdg-open) was found: set a browser in Settings (browser) or install xdg-utils."
            )
        argv = [opener, url]
    return LaunchPlan(tuple(argv), f"WebFig at {url}", "The browser", "browser", tracks_session=False)


def _split(text: str, platform: str, what: str) -> list[str]:
    """Split like a POSIX shell would (quotes group words); on Windows backslashes stay literal."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    if platform == "win32":
        lexer.escape = ""
    try:
        return list(lexer)
    except ValueError:
        raise InputError(f"The {what} have an unclosed quote: close it or remove it.") from None


def custom_plan(t: Target, machine: Machine) -> LaunchPlan:
    router, host, user = t.router, t.host, t.user
    template = t.spec.command.strip()
    if router.command_unconfirmed:
        raise LaunchError(
            f'The custom command of "{router.name}" came from an imported file and was not run: check it and '
            f'confirm it once (Edit and save, or knockgui-cli confirm-command "{router.name}").'
        )
    if not template:
        raise InputError(
            f'The router "{router.name}" has no custom command: write one in its settings, e.g. myclient {{host}} {{port}}.'
        )
    words = _split(template, machine.platform, "router's command")
    values = {"{host}": host, "{port}": str(t.port), "{user}": user}
    argv: list[str] = []
    for word in words:
        for key, value in values.items():
            word = word.replace(key, value)
        argv.append(word)
    locator = machine.locator()
    found = locator.find([locator.expand(argv[0])])
    if not found:
        raise LaunchError(
            f"The program {argv[0]} of {router.name}'s custom command was not found: fix the command in the router's settings or put it on PATH."
        )
    argv[0] = found
    return LaunchPlan(tuple(argv), f"{process.pure_path(machine.platform)(found).name} for {router.name}", router.name)
