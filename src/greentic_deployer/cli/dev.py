"""`greentic-deployer dev …`: tools for developing against the deployer (not store verbs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Developer tools: a local Kubernetes API emulator.", no_args_is_help=True)


@app.command("kube-emulator")
def kube_emulator(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0 = any free).")
    ] = 0,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(
            "--kubeconfig", help="Where to write the kubeconfig (default: a new temp dir)."
        ),
    ] = None,
    rollout_delay: Annotated[
        float,
        typer.Option("--rollout-delay", min=0.0, help="Seconds until a Deployment reports ready."),
    ] = 0.0,
    latency_ms: Annotated[
        int, typer.Option("--latency-ms", min=0, help="Fixed latency added to every request.")
    ] = 0,
    rollout: Annotated[
        list[str] | None,
        typer.Option(
            "--rollout",
            metavar="GLOB=MODE",
            help="Deployments whose name (or namespace/name) matches GLOB roll out as MODE: "
            "ready, stall (never ready) or deadline (ProgressDeadlineExceeded). Repeatable; "
            "the first match wins.",
        ),
    ] = None,
) -> None:
    """Serve the Kubernetes API emulator in the foreground until Ctrl-C or SIGTERM.

    Example: gtc dev kube-emulator --kubeconfig ./kubeconfig --rollout 'gtc-worker-*=deadline'
    """
    # Imported here so the rest of the CLI never pays for uvicorn.
    import asyncio

    from greentic_deployer.testing.kube_emulator import KubeEmulator, write_kubeconfig
    from greentic_deployer.testing.kube_emulator.controller import parse_rollout_rule
    from greentic_deployer.testing.kube_emulator.server import bind, serve_forever

    try:
        rules = [parse_rollout_rule(text) for text in rollout or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--rollout") from exc

    try:
        sock = bind(port)
    except OSError as exc:
        typer.echo(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    bound = sock.getsockname()[1]
    url = f"http://127.0.0.1:{bound}"
    import tempfile  # on use: every other command would pay for it (and `random`) at start-up

    target = kubeconfig or Path(tempfile.mkdtemp(prefix="kube-emulator-")) / "kubeconfig"
    try:
        write_kubeconfig(target, url, None)
    except OSError as exc:
        sock.close()
        typer.echo(f"error: cannot write kubeconfig {target}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    emulator = KubeEmulator(rollout_delay=rollout_delay, latency_ms=latency_ms, rollout_rules=rules)
    typer.echo(f"url: {url}")
    typer.echo(f"kubeconfig: {target}")
    typer.echo(f"try: KUBECONFIG={target} kubectl get namespaces", err=True)
    try:
        asyncio.run(serve_forever(emulator, sock))
    finally:
        sock.close()
    typer.echo("kube emulator stopped", err=True)
