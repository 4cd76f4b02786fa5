"""Global flags are hoisted to the `op` group wherever they appear."""

from __future__ import annotations

from greentic_deployer.cli.globals import hoist_global_flags


def test_flags_after_the_verb_move_behind_op() -> None:
    argv = ["op", "env", "show", "local", "--store-root", "/s", "--schema", "--output=text"]
    assert hoist_global_flags(argv) == [
        "op",
        "--store-root",
        "/s",
        "--schema",
        "--output=text",
        "env",
        "show",
        "local",
    ]


def test_render_output_directory_stays_with_render() -> None:
    argv = ["op", "env", "render", "prod", "--output", "out/dir", "--answers", "a.yaml"]
    assert hoist_global_flags(argv) == [
        "op",
        "--answers",
        "a.yaml",
        "env",
        "render",
        "prod",
        "--output",
        "out/dir",
    ]
    text = ["op", "env", "render", "prod", "--output", "text"]
    assert hoist_global_flags(text) == ["op", "--output", "text", "env", "render", "prod"]


def test_a_bad_format_elsewhere_is_hoisted_so_the_group_rejects_it() -> None:
    assert hoist_global_flags(["op", "env", "list", "--output", "yaml"]) == [
        "op",
        "--output",
        "yaml",
        "env",
        "list",
    ]


def test_everything_after_double_dash_is_left_alone() -> None:
    argv = ["op", "traffic", "set", "--", "--schema"]
    assert hoist_global_flags(argv) == argv


def test_no_op_group_means_no_change() -> None:
    assert hoist_global_flags(["--help"]) == ["--help"]


def test_short_output_forms_are_hoisted() -> None:
    assert hoist_global_flags(["op", "env", "list", "-o", "wide"]) == [
        "op",
        "-o",
        "wide",
        "env",
        "list",
    ]
    for attached in ("-otext", "-o=text"):
        assert hoist_global_flags(["op", "env", "list", attached]) == [
            "op",
            "--output=text",
            "env",
            "list",
        ]


def test_no_headers_is_hoisted() -> None:
    assert hoist_global_flags(["op", "env", "list", "--no-headers"]) == [
        "op",
        "--no-headers",
        "env",
        "list",
    ]


def test_short_output_naming_a_directory_stays_with_render() -> None:
    argv = ["op", "env", "render", "prod", "-o", "out"]
    assert hoist_global_flags(argv) == argv
