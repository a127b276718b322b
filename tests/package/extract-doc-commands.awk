# Splits a Markdown page into what package.install_docs runs: every ```sh block is appended to
# the file `commands` (awk -v commands=<file>), every ```cpp block whose first line is
# "// <file name>: ..." is written to <dir>/<file name> (awk -v dir=<dir>). Other blocks are text.
/^```sh$/  { mode = "sh"; next }
/^```cpp$/ { mode = "cpp"; target = ""; first = 1; next }
/^```/ && mode != "" {
    if (target != "") close(target)
    mode = ""; target = ""
    next
}
mode == "sh" { print > commands; next }
mode == "cpp" {
    if (first && match($0, /^\/\/ [A-Za-z0-9_.-]+: /))
        target = dir "/" substr($0, 4, RLENGTH - 5)
    first = 0
    if (target != "") print > target
}
