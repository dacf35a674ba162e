//! Charts: a series of numbers over periods, drawn as an accessible inline SVG.
//!
//! Owns: [`Chart`] and [`Chart::svg`]. A chart is stacked bars (parts of a whole per period: people
//! at each level, newcomers by first action) or lines (quantities to compare: engagement, tracks).
//! Every chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>` (the
//! trend in a sentence), its drawn text hidden from assistive technology (the page's table carries
//! the data), each series' marks in a `<g data-series="NAME">`, and each series told apart by more
//! than colour: a fill pattern or a dash pattern, shown
//! in the legend beside its name. The same input always gives the same bytes.
//!
//! Never does: decide what is drawn (the web pages pick the series) or write the data table.

use std::fmt::Write;

/// How the series are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Each period's values stacked into one bar.
    StackedBars,
    /// One line per series.
    Lines,
}

/// One named series, a value per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub values: Vec<u64>,
}

/// A chart to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Unique on the page: the ids of its title, description and patterns derive from it.
    pub id: String,
    pub title: String,
    /// The trend in a sentence, read out as the chart's description.
    pub desc: String,
    /// The periods' names, oldest first.
    pub labels: Vec<String>,
    pub series: Vec<Line>,
    pub shape: Shape,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 64.0;

/// Colours with enough contrast against white and each other; patterns tell series apart as well.
const COLOURS: [&str; 6] = ["#1b6ac9", "#d2691e", "#2e8b57", "#8e44ad", "#b22222", "#555555"];
const DASHES: [&str; 6] = ["", "6 3", "2 3", "10 3 2 3", "1 2", "12 6"];

/// The dash pattern of series `s`, as an attribute (none for the first: a solid line).
fn dash_attribute(s: usize) -> String {
    let dash = DASHES[s % DASHES.len()];
    if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") }
}

/// Escapes text for SVG and HTML (`&`, `<`, `>`, quotes).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The smallest "nice" number (1, 2 or 5 times a power of ten) at or above `n` (at least 1).
fn nice_ceiling(n: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= n.max(1) {
                return step * m;
            }
        }
        step *= 10;
    }
}

impl Chart {
    /// The highest value the y axis must reach.
    fn peak(&self) -> u64 {
        let periods = self.labels.len();
        match self.shape {
            Shape::StackedBars => {
                (0..periods).map(|i| self.series.iter().filter_map(|s| s.values.get(i)).sum()).max().unwrap_or(0)
            }
            Shape::Lines => self.series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0),
        }
    }

    fn x(&self, i: usize) -> f64 {
        let step = (WIDTH - LEFT - RIGHT) / self.labels.len().max(1) as f64;
        LEFT + step * (i as f64 + 0.5)
    }

    fn y(&self, value: u64, top: u64) -> f64 {
        HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value as f64 / top as f64
    }

    /// The chart as an inline SVG element.
    pub fn svg(&self) -> String {
        let id = escape(&self.id);
        let top = nice_ceiling(self.peak());
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
             aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(&self.title),
            escape(&self.desc)
        );
        self.patterns(&mut out, &id);
        out.push_str("<g aria-hidden=\"true\">");
        self.axes(&mut out, top);
        match self.shape {
            Shape::StackedBars => self.bars(&mut out, &id, top),
            Shape::Lines => self.lines(&mut out, top),
        }
        self.legend(&mut out, &id);
        out.push_str("</g></svg>");
        out
    }

    /// A hatched fill per series (for bars), each in its colour at its own angle.
    fn patterns(&self, out: &mut String, id: &str) {
        if self.shape != Shape::StackedBars {
            return;
        }
        out.push_str("<defs>");
        for i in 0..self.series.len() {
            let colour = COLOURS[i % COLOURS.len()];
            let angle = [0, 45, 90, 135, 22, 67][i % 6];
            let _ = write!(
                out,
                "<pattern id=\"{id}-p{i}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
                 patternTransform=\"rotate({angle})\"><rect width=\"6\" height=\"6\" fill=\"{colour}\" \
                 fill-opacity=\"0.45\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{colour}\" \
                 stroke-width=\"{}\"/></pattern>",
                1 + i % 3
            );
        }
        out.push_str("</defs>");
    }

    fn axes(&self, out: &mut String, top: u64) {
        let (x0, x1, y0) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM);
        let _ = write!(out, "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#333\"/>");
        for tick in [0, top / 2, top] {
            let y = self.y(tick, top);
            let _ = write!(
                out,
                "<line x1=\"{x0}\" y1=\"{y:.1}\" x2=\"{x1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
                 <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{tick}</text>",
                x0 - 4.0,
                y + 4.0
            );
        }
        let every = self.labels.len().div_ceil(12).max(1);
        for (i, label) in self.labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
            let x = self.x(i);
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\" \
                 transform=\"rotate(-45 {x:.1} {})\">{}</text>",
                y0 + 14.0,
                y0 + 14.0,
                escape(label)
            );
        }
    }

    fn bars(&self, out: &mut String, id: &str, top: u64) {
        let width = ((WIDTH - LEFT - RIGHT) / self.labels.len().max(1) as f64 * 0.8).max(1.0);
        let mut below = vec![0; self.labels.len()];
        for (s, series) in self.series.iter().enumerate() {
            let _ = write!(out, "<g data-series=\"{}\">", escape(&series.name));
            for (i, base) in below.iter_mut().enumerate() {
                let value = series.values.get(i).copied().unwrap_or(0);
                if value == 0 {
                    continue;
                }
                let (y_top, y_bottom) = (self.y(*base + value, top), self.y(*base, top));
                let _ = write!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{y_top:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"url(#{id}-p{s})\" \
                     stroke=\"{}\" stroke-width=\"0.5\"/>",
                    self.x(i) - width / 2.0,
                    y_bottom - y_top,
                    COLOURS[s % COLOURS.len()]
                );
                *base += value;
            }
            out.push_str("</g>");
        }
    }

    fn lines(&self, out: &mut String, top: u64) {
        for (s, series) in self.series.iter().enumerate() {
            let points: Vec<String> = series
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{:.1},{:.1}", self.x(i), self.y(*v, top)))
                .collect();
            let _ = write!(
                out,
                "<g data-series=\"{}\"><polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/></g>",
                escape(&series.name),
                COLOURS[s % COLOURS.len()],
                dash_attribute(s),
                points.join(" ")
            );
        }
    }

    /// Each series' name beside a swatch drawn as the series is (its pattern, or its dash).
    fn legend(&self, out: &mut String, id: &str) {
        let y = HEIGHT - 14.0;
        let mut x = LEFT;
        for (s, series) in self.series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            match self.shape {
                Shape::StackedBars => {
                    let _ = write!(
                        out,
                        "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"10\" fill=\"url(#{id}-p{s})\" stroke=\"{colour}\"/>",
                        y - 9.0
                    );
                }
                Shape::Lines => {
                    let _ = write!(
                        out,
                        "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\"{}/>",
                        y - 4.0,
                        x + 14.0,
                        y - 4.0,
                        dash_attribute(s)
                    );
                }
            }
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{y:.1}\" font-size=\"11\">{}</text>",
                x + 18.0,
                escape(&series.name)
            );
            x += 26.0 + 6.5 * series.name.chars().count() as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(shape: Shape) -> Chart {
        Chart {
            id: "levels".into(),
            title: "People at each level <by month>".into(),
            desc: "Up from 1 to 5 & rising.".into(),
            labels: vec!["2026-01".into(), "2026-02".into(), "2026-03".into()],
            series: vec![
                Line { name: "Contributor".into(), values: vec![1, 2, 3] },
                Line { name: "Maintainer".into(), values: vec![0, 1, 2] },
            ],
            shape,
        }
    }

    #[test]
    fn a_chart_is_an_image_named_and_described_with_its_marks_hidden() {
        let svg = chart(Shape::StackedBars).svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""), "{svg}");
        assert!(svg.contains("aria-labelledby=\"levels-title levels-desc\""));
        assert!(svg.contains("<title id=\"levels-title\">People at each level &lt;by month&gt;</title>"));
        assert!(svg.contains("<desc id=\"levels-desc\">Up from 1 to 5 &amp; rising.</desc>"));
        assert_eq!(svg.matches("<g data-series=").count(), 2);
        assert!(svg.contains("<g data-series=\"Maintainer\">"));
        assert!(svg.contains("<g aria-hidden=\"true\">"));
        // Each series has its own pattern, used by its bars and its legend swatch.
        for p in ["levels-p0", "levels-p1"] {
            assert!(svg.matches(&format!("url(#{p})")).count() >= 2, "{p}");
        }
        // Five non-zero values, five bars (plus two legend swatches).
        assert_eq!(svg.matches("<rect x=").count(), 5 + 2);
        // The y axis reaches a nice number at or above the tallest stack (5).
        assert!(svg.contains(">5</text>"));
        assert_eq!(svg, chart(Shape::StackedBars).svg(), "the same bytes every time");
    }

    #[test]
    fn lines_differ_by_dash_as_well_as_colour() {
        let svg = chart(Shape::Lines).svg();
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("stroke-dasharray=\"6 3\""));
        assert!(svg.contains(">5</text>") && svg.contains(">2</text>"), "{svg}");
    }

    #[test]
    fn axis_tops_are_nice_numbers() {
        let cases = [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (51, 100), (1200, 2000)];
        for (n, top) in cases {
            assert_eq!(nice_ceiling(n), top, "{n}");
        }
        assert_eq!(escape("a<b & \"c\" 'd'"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;");
    }
}
