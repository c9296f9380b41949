//! Text rendering of diagnostics, shared by every command.
//!
//! Each diagnostic becomes a first line in the classic compiler shape, easy to grep and
//! understood by editors:
//!
//! ```text
//! maple.procura:3:5: error[P0201]: unknown group `nort`
//! ```
//!
//! followed by the annotated source snippet drawn by codespan-reporting (primary span,
//! secondary labels, and the help text as a note).

use std::env;
use std::io::{self, IsTerminal, Write};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config};
use procura::{Diagnostic, Severity, SourceSpan};

/// The `--color` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorMode {
    /// Colour when writing to a terminal, unless NO_COLOR is set or TERM is `dumb`.
    #[default]
    Auto,
    Always,
    Never,
}

/// The stream a command writes diagnostics to; `auto` colour depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl ColorMode {
    /// Whether output written to `stream` is coloured.
    pub fn enabled_for(self, stream: Stream) -> bool {
        match self {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => {
                let terminal = match stream {
                    Stream::Stdout => io::stdout().is_terminal(),
                    Stream::Stderr => io::stderr().is_terminal(),
                };
                let no_color = env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
                let dumb = env::var_os("TERM").is_some_and(|term| term == "dumb");
                terminal && !no_color && !dumb
            }
        }
    }
}

/// Renders diagnostics of one source file as text, coloured or not.
#[derive(Debug)]
pub struct Renderer {
    color: bool,
    config: Config,
}

impl Renderer {
    pub fn new(color: bool) -> Renderer {
        Renderer {
            color,
            config: Config::default(),
        }
    }

    /// Renders every diagnostic of `source` (raw bytes, possibly invalid UTF-8) read from
    /// `path`, in the order given.
    pub fn render(&self, path: &str, source: &[u8], diagnostics: &[Diagnostic]) -> Vec<u8> {
        let text = LossySource::new(source);
        let file = SimpleFile::new(path, text.as_str());
        let mut out = self.buffer();
        for diagnostic in diagnostics {
            // Writing into a memory buffer cannot fail; a snippet that codespan cannot
            // draw falls back to the help line alone.
            let _ = self.header(&mut out, path, diagnostic);
            match self.snippet(&file, &text, diagnostic) {
                Some(snippet) => {
                    let _ = out.write_all(&snippet);
                }
                None => {
                    if let Some(help) = &diagnostic.help {
                        let _ = writeln!(out, "  = help: {help}");
                    }
                    let _ = writeln!(out);
                }
            }
        }
        out.into_inner()
    }

    fn buffer(&self) -> Buffer {
        if self.color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        }
    }

    /// `path:line:col: error[CODE]: message`
    fn header(&self, out: &mut Buffer, path: &str, diagnostic: &Diagnostic) -> io::Result<()> {
        let (word, color) = match diagnostic.severity {
            Severity::Error => ("error", Color::Red),
            Severity::Warning => ("warning", Color::Yellow),
        };
        write!(
            out,
            "{path}:{}:{}: ",
            diagnostic.span.line, diagnostic.span.column
        )?;
        out.set_color(
            ColorSpec::new()
                .set_fg(Some(color))
                .set_bold(true)
                .set_intense(true),
        )?;
        write!(out, "{word}")?;
        if !diagnostic.code.is_empty() {
            write!(out, "[{}]", diagnostic.code)?;
        }
        out.set_color(ColorSpec::new().set_bold(true))?;
        write!(out, ": {}", diagnostic.message)?;
        out.reset()?;
        writeln!(out)
    }

    /// The codespan-reporting snippet without its own header line (ours replaces it).
    fn snippet(
        &self,
        file: &SimpleFile<&str, &str>,
        text: &LossySource,
        diagnostic: &Diagnostic,
    ) -> Option<Vec<u8>> {
        let severity = match diagnostic.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = vec![cs::Label::primary((), text.range(&diagnostic.span))];
        labels.extend(diagnostic.labels.iter().map(|label| {
            cs::Label::secondary((), text.range(&label.span)).with_message(label.message.clone())
        }));
        let notes = diagnostic
            .help
            .iter()
            .map(|help| format!("help: {help}"))
            .collect();
        // No message: the header line codespan draws is dropped below, and with an empty
        // message and a code without newlines it is exactly one line.
        let rendered = cs::Diagnostic::new(severity)
            .with_code(diagnostic.code)
            .with_labels(labels)
            .with_notes(notes);
        let mut buffer = self.buffer();
        term::emit_to_write_style(&mut buffer, &self.config, file, &rendered).ok()?;
        let bytes = buffer.into_inner();
        let body = bytes
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(0, |newline| newline + 1);
        bytes.get(body..).map(<[u8]>::to_vec)
    }
}

/// Source bytes decoded for display: invalid UTF-8 sequences become U+FFFD, and byte
/// offsets into the original bytes are mapped onto the decoded text.
#[derive(Debug)]
struct LossySource {
    text: String,
    segments: Vec<Segment>,
}

/// A run of the original bytes: valid UTF-8 copied as is, or one invalid sequence.
#[derive(Debug)]
struct Segment {
    original: usize,
    decoded: usize,
    len: usize,
    valid: bool,
}

impl LossySource {
    fn new(bytes: &[u8]) -> LossySource {
        let mut text = String::with_capacity(bytes.len());
        let mut segments = Vec::new();
        let mut original = 0;
        for chunk in bytes.utf8_chunks() {
            let valid = chunk.valid();
            segments.push(Segment {
                original,
                decoded: text.len(),
                len: valid.len(),
                valid: true,
            });
            text.push_str(valid);
            original += valid.len();
            let invalid = chunk.invalid();
            if !invalid.is_empty() {
                segments.push(Segment {
                    original,
                    decoded: text.len(),
                    len: invalid.len(),
                    valid: false,
                });
                text.push(char::REPLACEMENT_CHARACTER);
                original += invalid.len();
            }
        }
        LossySource { text, segments }
    }

    fn as_str(&self) -> &str {
        &self.text
    }

    /// The decoded offset of an original byte offset, clamped to the text and to a
    /// character boundary.
    fn map(&self, offset: usize) -> usize {
        let after = self
            .segments
            .partition_point(|segment| segment.original <= offset);
        let decoded = match after
            .checked_sub(1)
            .and_then(|index| self.segments.get(index))
        {
            None => 0,
            Some(segment) if segment.valid => {
                segment.decoded + (offset - segment.original).min(segment.len)
            }
            Some(segment) if offset == segment.original => segment.decoded,
            Some(segment) => segment.decoded + char::REPLACEMENT_CHARACTER.len_utf8(),
        };
        self.text.floor_char_boundary(decoded.min(self.text.len()))
    }

    fn range(&self, span: &SourceSpan) -> std::ops::Range<usize> {
        let start = self.map(span.start);
        let end = self.map(span.end).max(start);
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize) -> SourceSpan {
        SourceSpan {
            start,
            end,
            line: 1,
            column: start as u32 + 1,
            end_line: 1,
            end_column: 1,
        }
    }

    fn diagnostic(severity: Severity, start: usize, end: usize) -> Diagnostic {
        Diagnostic {
            severity,
            code: "P0001",
            message: "something is wrong".to_owned(),
            help: Some("do it right".to_owned()),
            span: span(start, end),
            labels: vec![procura::Label {
                span: span(0, 1),
                message: "see here".to_owned(),
            }],
        }
    }

    #[test]
    fn first_line_has_file_line_column_severity_and_code() {
        let text = Renderer::new(false).render(
            "a.procura",
            b"policy \"x\" { currency }",
            &[diagnostic(Severity::Error, 13, 21)],
        );
        let text = String::from_utf8(text).unwrap();
        let trimmed: Vec<&str> = text.lines().map(str::trim_end).collect();
        assert_eq!(
            trimmed,
            [
                "a.procura:1:14: error[P0001]: something is wrong",
                "  ┌─ a.procura:1:14",
                "  │",
                "1 │ policy \"x\" { currency }",
                "  │ -            ^^^^^^^^",
                "  │ │",
                "  │ see here",
                "  │",
                "  = help: do it right",
                "",
            ],
            "{text}"
        );
        let first = text.lines().next().unwrap();
        assert_eq!(first, "a.procura:1:14: error[P0001]: something is wrong");
        assert_eq!(text.matches("something is wrong").count(), 1, "{text}");
        assert!(text.contains("= help: do it right"), "{text}");
        assert!(text.contains("see here"), "{text}");
        assert!(text.contains("^^^^^^^^"), "{text}");
    }

    #[test]
    fn warnings_say_warning() {
        let text = Renderer::new(false).render(
            "w.procura",
            b"abc",
            &[diagnostic(Severity::Warning, 0, 3)],
        );
        assert!(String::from_utf8(text)
            .unwrap()
            .starts_with("w.procura:1:1: warning[P0001]: "));
    }

    #[test]
    fn colour_is_ansi_only_when_asked() {
        let plain = Renderer::new(false).render("a", b"abc", &[diagnostic(Severity::Error, 0, 1)]);
        let coloured =
            Renderer::new(true).render("a", b"abc", &[diagnostic(Severity::Error, 0, 1)]);
        assert!(!plain.contains(&0x1b));
        assert!(coloured.contains(&0x1b));
    }

    #[test]
    fn spans_out_of_range_or_inside_invalid_utf8_do_not_panic() {
        let source = b"ab\xff\xfecd\xe2\x82";
        for start in 0..12 {
            for end in 0..12 {
                let _ = Renderer::new(false).render(
                    "x",
                    source,
                    &[diagnostic(Severity::Error, start, end)],
                );
            }
        }
        let _ = Renderer::new(false).render("x", b"", &[diagnostic(Severity::Error, 5, 9)]);
    }

    #[test]
    fn offsets_map_onto_the_decoded_text() {
        let source = LossySource::new(b"ab\xffcd");
        assert_eq!(source.as_str(), "ab\u{fffd}cd");
        assert_eq!(source.map(2), 2);
        assert_eq!(source.map(3), 5);
        assert_eq!(source.map(4), 6);
        assert_eq!(source.map(99), 7);
    }
}
