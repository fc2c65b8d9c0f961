"""Commands of the web workspace: serve it, and manage the people who may log in."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from bullseye.cli.app import WorkspaceOption, app, console, open_workspace
from bullseye.errors import InvalidInputError

__all__ = ["serve", "users_add", "users_app"]

users_app = typer.Typer(help="People who may log in to the web workspace.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but 127.0.0.1/localhost/::1 needs users.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    workspace: WorkspaceOption = None,
) -> None:
    """Serve the web workspace: every page and its .json twin. No login on 127.0.0.1; any other
    address requires users (add them with `bullseye users add`).

    Example:

        bullseye serve --workspace demo-workspace --port 8765
    """
    import uvicorn

    from bullseye.web import create_app, is_loopback
    from bullseye.web.auth import UserStore
    from bullseye.web.setup import needs_setup, setup_app

    require_login = not is_loopback(host)
    shown = f"[{host}]" if ":" in host else host
    if workspace is not None and needs_setup(workspace):
        if require_login:
            raise InvalidInputError(
                f"{workspace} is not a workspace yet: create it on this computer first "
                f"(`bullseye serve --workspace {workspace}` on 127.0.0.1, or `bullseye init {workspace}`)"
            )
        console.print(f"Open http://{shown}:{port}/ to create the workspace in {workspace}; Ctrl+C stops it.")
        uvicorn.run(setup_app(workspace), host=host, port=port, log_level="warning")
        return
    ws = open_workspace(workspace)
    if require_login and not UserStore(ws.state_dir).has_users():
        raise InvalidInputError(
            f"refusing to serve on {host} with no users: add one with "
            "`bullseye users add NAME --role owner`, or serve on 127.0.0.1"
        )
    console.print(
        f"Bullseye is serving {ws.settings.name} at http://{shown}:{port}/ "
        f"({'login required' if require_login else 'no login: this computer only'}); Ctrl+C stops it."
    )
    uvicorn.run(create_app(ws, require_login=require_login, warm=True), host=host, port=port, log_level="warning")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user name to log in with.")],
    role: Annotated[
        str, typer.Option(help="viewer (read and export), editor (draft and comment) or owner (publish and roll back).")
    ] = "viewer",
    workspace: WorkspaceOption = None,
) -> None:
    """Add a user (or change a user's role and password); asks for the password, or reads
    BULLSEYE_PASSWORD for scripts.

    Example:

        bullseye users add maria --role editor
    """
    from bullseye.web.auth import UserStore

    ws = open_workspace(workspace)
    password = os.environ.get("BULLSEYE_PASSWORD") or typer.prompt(
        f"Password for {name}", hide_input=True, confirmation_prompt=True
    )
    user = UserStore(ws.state_dir).add(name, role, password)
    console.print(f"{user.name} can now log in as {user.role} (stored in {ws.state_dir.name}/users.yaml, not in git).")


@users_app.command("list")
def users_list(workspace: WorkspaceOption = None) -> None:
    """List the users and their roles.

    Example:

        bullseye users list
    """
    from bullseye.web.auth import UserStore

    for user in UserStore(open_workspace(workspace).state_dir).users():
        typer.echo(f"{user.name}\t{user.role}")
