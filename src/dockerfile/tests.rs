use std::collections::BTreeMap;

use super::*;
use crate::analysis::HistoryRow;

fn p(text: &str) -> Dockerfile {
    parse("Dockerfile", text).unwrap()
}

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

#[test]
fn instructions_carry_their_first_line_and_join_continuations() {
    let df = p(
        "# a comment\n\nFROM alpine:3.19\nRUN apk add \\\n    curl \\\n  # inside\n    git\nCMD [\"sh\"]\n",
    );
    let lines: Vec<(usize, usize, &str)> = df
        .instructions
        .iter()
        .map(|i| (i.line, i.end_line, i.keyword.as_str()))
        .collect();
    assert_eq!(lines, [(3, 3, "FROM"), (4, 7, "RUN"), (8, 8, "CMD")]);
    assert_eq!(
        df.instructions[1].args,
        Args::Shell("apk add     curl     git".into())
    );
    assert_eq!(df.instructions[2].args, Args::Json(vec!["sh".into()]));
}

#[test]
fn escape_directive_changes_the_continuation_character() {
    let df = p(
        "# escape=`\n# syntax=docker/dockerfile:1\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\\\n",
    );
    assert_eq!(df.escape, '`');
    assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1"));
    assert_eq!(df.instructions[1].args, Args::Shell("dir   c:\\\\".into()));
    assert_eq!(df.instructions[1].line, 4);
}

#[test]
fn directives_stop_at_the_first_other_line() {
    let df = p("FROM a\n# escape=`\nRUN x \\\n y\n");
    assert_eq!(df.escape, '\\');
    assert_eq!(df.instructions[1].args, Args::Shell("x  y".into()));
}

#[test]
fn bad_escape_directive_names_file_and_line() {
    let e = parse("ctx/Dockerfile", "# escape=x\nFROM a\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(
        e.to_string()
            .starts_with("ctx/Dockerfile:1: invalid escape"),
        "{e}"
    );
}

#[test]
fn heredocs_are_read_to_their_terminator() {
    let df = p(
        "FROM a\nRUN <<EOF\necho hi\nrm -rf /tmp/x\nEOF\nCOPY <<-\"CONF\" /etc/app.conf\n\tkey=1\n\tCONF\nUSER app\n",
    );
    let run = &df.instructions[1];
    assert_eq!((run.line, run.end_line), (2, 5));
    assert_eq!(run.heredocs[0].body, "echo hi\nrm -rf /tmp/x\n");
    let copy = &df.instructions[2];
    assert_eq!((copy.line, copy.end_line), (6, 8));
    assert!(copy.heredocs[0].strip_tabs && copy.heredocs[0].quoted);
    assert_eq!(copy.heredocs[0].body, "key=1\n");
    assert_eq!(df.instructions[3].line, 9);
}

#[test]
fn an_unterminated_heredoc_is_an_error_at_its_instruction() {
    let e = parse("Dockerfile", "FROM a\n\nRUN <<EOF\necho\n").unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("never terminated"), "{e}");
}

#[test]
fn flags_stages_and_platform() {
    let df = p(
        "ARG V=3.19\nFROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nRUN --mount=type=cache,target=/root/.cache go build\nFROM alpine:${V}\nCOPY --from=build --chown=1000:1000 --chmod=0755 --link /out/app /app\n",
    );
    assert_eq!(df.stages.len(), 2);
    assert_eq!(df.stages[0].name.as_deref(), Some("build"));
    assert_eq!(df.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(df.stages[1].base, "alpine:3.19");
    let copy = &df.instructions[4];
    assert_eq!(copy.flag("from"), Some("build"));
    assert_eq!(copy.flag("chown"), Some("1000:1000"));
    assert_eq!(copy.flag("chmod"), Some("0755"));
    assert_eq!(copy.flag("link"), Some(""));
    assert_eq!(
        df.instructions[2].flag("mount"),
        Some("type=cache,target=/root/.cache")
    );
    assert!(df.stage_named("BUILD").is_some());
    assert_eq!(df.body(&df.stages[1]).len(), 1);
}

#[test]
fn arg_and_env_are_substituted_where_the_builders_do() {
    let df = p(
        "FROM a\nARG APP=/srv/app\nENV HOME_DIR=${APP}/home NAME=\"x y\"\nWORKDIR $HOME_DIR\nCOPY . ${APP:-/default}\nRUN echo $APP\n",
    );
    assert_eq!(
        df.instructions[3].expanded,
        Args::Shell("/srv/app/home".into())
    );
    assert_eq!(
        df.instructions[4].expanded,
        Args::Shell(". /srv/app".into())
    );
    // RUN is the shell's to expand.
    assert_eq!(df.instructions[5].expanded, Args::Shell("echo $APP".into()));
}

#[test]
fn global_args_reach_a_stage_only_when_redeclared() {
    let df = p("ARG TAG=1\nFROM img:$TAG\nWORKDIR /a$TAG\nARG TAG\nWORKDIR /b$TAG\n");
    assert_eq!(df.stages[0].base, "img:1");
    assert_eq!(df.instructions[2].expanded, Args::Shell("/a".into()));
    assert_eq!(df.instructions[4].expanded, Args::Shell("/b1".into()));
}

#[test]
fn substitution_forms() {
    let v = vars(&[("A", "1"), ("E", "")]);
    assert_eq!(expand("$A ${A} ${A}x", &v).unwrap(), "1 1 1x");
    assert_eq!(expand("${B:-d} ${E:-d} ${E-d}", &v).unwrap(), "d d ");
    assert_eq!(
        expand("${A:+set} ${B:+set} ${E+set}", &v).unwrap(),
        "set  set"
    );
    assert_eq!(expand("${B:-${A}}", &v).unwrap(), "1");
    assert_eq!(expand("\\$A '$A'", &v).unwrap(), "$A '$A'");
    assert!(expand("${B:?needed}", &v).unwrap_err().contains("needed"));
    assert!(expand("${A", &v).unwrap_err().contains("unterminated"));
}

#[test]
fn only_arg_may_come_before_from() {
    let e = parse("Dockerfile", "RUN x\nFROM a\n").unwrap_err();
    assert_eq!(e.line, 1);
}

#[test]
fn hostile_input_never_panics() {
    let samples = [
        "",
        "\\",
        "FROM",
        "FROM a\nRUN [",
        "FROM a\nRUN [\"\\u12\"]",
        "FROM a\nCOPY <<",
        "FROM a\nCOPY <<-'",
        "FROM a\nRUN <<\"E\nE\n",
        "# escape=\n",
        "FROM a b c d\n",
        "FROM ${\n",
        "\u{feff}FROM a\n",
        "FROM a\nRUN \\\n",
        "FROM a\n--x\n",
        "FROM é\nENV é=é\nRUN ¥ \\\n é",
    ];
    for s in samples {
        let _ = parse("Dockerfile", s);
    }
    // A line of every byte value (as text) parses or fails with a line number.
    let all: String = (1u8..128).map(char::from).collect();
    let _ = parse("Dockerfile", &format!("FROM a\nRUN {all}\nENV {all}\n"));
}

fn row(command: &str, layer: Option<usize>) -> HistoryRow {
    HistoryRow {
        command: command.into(),
        layer,
        created: None,
    }
}

#[test]
fn classic_builder_history_maps_to_lines() {
    let df = p(
        "FROM base:1\nWORKDIR /app\nCOPY . .\nRUN make \\\n  && make install\nENV A=1\nCMD [\"app\"]\n",
    );
    let history = [
        row("Imported from -", Some(0)),
        row("WORKDIR /app", None),
        row("COPY dir:0123 in /app", Some(1)),
        row("RUN make   && make install", Some(2)),
        row("ENV A=1", None),
        row("CMD [\"app\"]", None),
    ];
    let m = map_layers(&df, &history, 3);
    assert_eq!(m.lines, [Some(1), Some(3), Some(4)]);
    assert!(m.notes.is_empty());
}

#[test]
fn buildkit_history_maps_to_lines_and_base_layers_to_from() {
    let df = p("FROM base:1\nARG V=2\nCOPY app.sh /app/\nRUN chmod +x /app/app.sh\n");
    let history = [
        row("ADD file:abc in /", Some(0)),
        row("CMD [\"sh\"]", None),
        row("RUN x", Some(1)),
        row("COPY app.sh /app/", Some(2)),
        row("RUN /bin/sh -c chmod +x /app/app.sh", Some(3)),
    ];
    let m = map_layers(&df, &history, 4);
    assert_eq!(m.lines, [Some(1), Some(1), Some(3), Some(4)]);
}

#[test]
fn a_mismatch_is_said_not_guessed() {
    let df = p("FROM base\nRUN make\nRUN make test\n");
    let history = [
        row("ADD x in /", Some(0)),
        row("RUN other", Some(1)),
        row("RUN make test", Some(2)),
    ];
    let m = map_layers(&df, &history, 3);
    assert_eq!(m.lines, [None, None, Some(3)]);
    assert_eq!(m.notes.len(), 1);
    assert!(
        m.notes[0].contains("layer 1") && m.notes[0].contains("line 2"),
        "{:?}",
        m.notes
    );
}

#[test]
fn from_a_stage_continues_in_that_stage() {
    let df = p("FROM base AS deps\nRUN install\nFROM deps\nCOPY . /app\n");
    let history = [
        row("ADD x in /", Some(0)),
        row("RUN install", Some(1)),
        row("COPY dir:1 in /app", Some(2)),
    ];
    let m = map_layers(&df, &history, 3);
    assert_eq!(m.lines, [Some(1), Some(2), Some(4)]);
}

#[test]
fn lints_find_what_only_the_dockerfile_shows() {
    let df = p(
        "FROM node\nFROM python:3.12 AS b\nFROM debian:12@sha256:aaaa\nARG NPM_TOKEN\nENV DB_PASSWORD=x\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y curl git=1:2.39 && pip install flask==3.0 requests\nRUN npm ci\nENTRYPOINT [\"npm\", \"start\"]\n",
    );
    let found: Vec<(&str, usize)> = lint::check(&df).iter().map(|l| (l.rule, l.line)).collect();
    assert_eq!(
        found,
        [
            ("unpinned_base", 1),
            ("unpinned_base", 2),
            ("secret_in_build_arg", 4),
            ("secret_in_build_arg", 5),
            ("copy_before_install", 7),
            ("unpinned_packages", 8),
            ("unpinned_packages", 8),
            ("build_tool_entrypoint", 10),
        ]
    );
    let msgs: Vec<String> = lint::check(&df).into_iter().map(|l| l.message).collect();
    assert!(msgs.iter().any(|m| m.ends_with("curl")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.ends_with("requests")), "{msgs:?}");
}

#[test]
fn commands_split_outside_quotes() {
    assert_eq!(
        fix::commands("a && b 'x && y'; c \"d;e\""),
        ["a", "b 'x && y'", "c \"d;e\""]
    );
}

#[test]
fn resolve_joins_workdir_and_cleans() {
    assert_eq!(fix::resolve(".", "/app"), "/app");
    assert_eq!(fix::resolve("sub/../x/", "/app/"), "/app/x");
    assert_eq!(fix::resolve("/abs", "/app"), "/abs");
}

#[test]
fn edits_keep_untouched_lines_and_diff_shows_the_change() {
    let text = "FROM a\n# keep me\nRUN apt-get update \\\n && apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\nCMD [\"x\"]\n";
    let df = p(text);
    let mut e = edit::Edits::new(text, &df);
    e.append_command(1, "apt-get clean");
    e.delete(2);
    e.comment_before(3, "note");
    e.add_flag(3, "--x");
    let out = e.render();
    assert_eq!(
        out,
        "FROM a\n# keep me\nRUN apt-get update \\\n && apt-get install -y x \\\n    && apt-get clean\n# note\nCMD --x [\"x\"]\n"
    );
    let d = edit::unified(text, &out, "a/Dockerfile", "b/Dockerfile");
    assert!(
        d.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,"),
        "{d}"
    );
    assert!(d.contains("-RUN rm -rf /var/lib/apt/lists/*\n"), "{d}");
    assert!(d.contains("+    && apt-get clean\n"), "{d}");
    assert!(edit::unified(text, text, "a", "b").is_empty());
}

#[test]
fn every_truncation_and_splice_of_real_dockerfiles_parses_or_names_a_line() {
    let seeds = [
        "# syntax=docker/dockerfile:1\nARG V=3.19\nFROM --platform=$BUILDPLATFORM alpine:${V:-3} AS build\nRUN apk add --no-cache \\\n    gcc \\\n  # comment\n    musl-dev\nCOPY <<-EOF /etc/x.conf\n\ta=1\n\tEOF\nFROM build\nENV A=\"x y\" B=${A}\nCOPY --from=build --chown=1:1 /a /b\nCMD [\"sh\", \"-c\", \"echo \\\"$A\\\"\"]\n",
        "# escape=`\nFROM win\nRUN dir `\n  c:\\\nWORKDIR c:\\app\n",
    ];
    let splices = [
        "\\", "`", "<<", "<<-'E'", "${", "[\"", "\n", "$", "\"", "--", "=", "é",
    ];
    for seed in seeds {
        let cuts: Vec<usize> = (0..=seed.len())
            .filter(|i| seed.is_char_boundary(*i))
            .collect();
        for &cut in &cuts {
            for splice in std::iter::once("").chain(splices) {
                let text = format!("{}{splice}{}", &seed[..cut], &seed[cut..]);
                let lines = text.split('\n').count();
                match parse("Dockerfile", &text) {
                    Ok(df) => {
                        for ins in &df.instructions {
                            assert!(
                                ins.line <= ins.end_line && ins.end_line <= lines,
                                "{text:?}"
                            );
                        }
                        let rows: Vec<HistoryRow> = df
                            .instructions
                            .iter()
                            .enumerate()
                            .map(|(i, ins)| {
                                row(&format!("{} {}", ins.keyword, ins.args.text()), Some(i))
                            })
                            .collect();
                        let _ = map_layers(&df, &rows, rows.len());
                        let _ = lint::check(&df);
                    }
                    Err(e) => assert!(e.line >= 1 && e.line <= lines, "{e} in {text:?}"),
                }
            }
        }
    }
}
