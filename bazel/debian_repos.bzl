"""Repository rules that map Bazel's external repositories to Debian packages."""

def _debian_rules_cc_impl(rctx):
    src = rctx.path(rctx.attr.path)
    rctx.execute(["cp", "-r", str(src) + "/.", "."], quiet = True)

    # Bazel 4.2 has no use_cpp_toolchain(); the toolchain type label is what it
    # returns on newer Bazels, so substitute it.
    for f in [
        "cc/private/rules_impl/compiler_flag.bzl",
        "cc/private/rules_impl/cc_flags_supplier.bzl",
    ]:
        text = rctx.read(f)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        rctx.file(f, text, executable = False)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)
