//! Charts as SVG, drawn with plotters, for the PDF and HTML reports alike. Every chart has a table
//! of the same figures beside it in the report, for readers who cannot see it.

use plotters::prelude::*;

use crate::annual::AnnualReport;

/// Colours distinguishable in greyscale and by the common colour-vision deficiencies.
pub const POSITIVE: RGBColor = RGBColor(0x1d, 0x70, 0xb8);
pub const SUGGESTIONS: RGBColor = RGBColor(0xf4, 0x9c, 0x38);
pub const NEGATIVE: RGBColor = RGBColor(0x6f, 0x1d, 0x1b);

/// Categorisation per audit: one stacked bar an audit (positive, suggestions, negative).
pub fn audits_svg(r: &AnnualReport) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_audits(r, &mut svg) {
        // Drawing into a string cannot fail for want of a device; if plotters refuses the data,
        // say so in the picture rather than fail the whole report.
        return format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="760" height="40"><text x="10" y="25">chart unavailable: {}</text></svg>"#,
            e.to_string().replace(['<', '>', '&'], " ")
        );
    }
    svg
}

fn draw_audits<'a>(
    r: &'a AnnualReport,
    svg: &'a mut String,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let n = r.by_audit.len().max(1);
    let max = r.by_audit.iter().map(|a| a.calls).max().unwrap_or(0).max(1) as f64;
    let labels: Vec<String> = r
        .by_audit
        .iter()
        .map(|a| a.date.format("%-d %b").to_string())
        .collect();
    let root = SVGBackend::with_string(svg, (760, 320)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(285);
    let mut chart = ChartBuilder::on(&plot)
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(36)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..(max * 1.05))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n)
        .x_label_formatter(&|x| labels.get(x.round() as usize).cloned().unwrap_or_default())
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("Calls")
        .label_style(("sans-serif", 11))
        .draw()?;
    for (i, a) in r.by_audit.iter().enumerate() {
        let x = i as f64;
        let mut base = 0.0;
        for (count, colour) in [
            (a.positive, POSITIVE),
            (a.suggestions, SUGGESTIONS),
            (a.negative, NEGATIVE),
        ] {
            let top = base + count as f64;
            if count > 0 {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.35, base), (x + 0.35, top)],
                    colour.filled(),
                )))?;
            }
            base = top;
        }
    }
    for (k, (name, colour)) in [
        ("Fully positive", POSITIVE),
        ("Suggestions", SUGGESTIONS),
        ("Negative", NEGATIVE),
    ]
    .into_iter()
    .enumerate()
    {
        let x = 60 + k as i32 * 200;
        legend.draw(&Rectangle::new([(x, 10), (x + 14, 24)], colour.filled()))?;
        legend.draw(&Text::new(
            name,
            (x + 20, 11),
            ("sans-serif", 12).into_font(),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// A chart that could not be drawn says so in the picture rather than failing the report.
fn or_notice(drawn: Result<(), String>, svg: String) -> String {
    match drawn {
        Ok(()) => svg,
        Err(e) => format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="760" height="40"><text x="10" y="25">chart unavailable: {}</text></svg>"#,
            e.replace(['<', '>', '&'], " ")
        ),
    }
}

/// One line of a trend chart: its name, colour, and a value (or none) per month.
pub struct Trend {
    pub name: String,
    pub colour: RGBColor,
    pub values: Vec<Option<f64>>,
}

/// Monthly percentages as lines on a 0–100% scale, with a dashed line at `target` if given.
/// Months without a value break the line rather than pretend a value.
pub fn trend_svg(months: &[String], lines: &[Trend], target: Option<(f64, &str)>) -> String {
    let mut svg = String::new();
    let drawn = draw_trend(months, lines, target, &mut svg).map_err(|e| e.to_string());
    or_notice(drawn, svg)
}

fn draw_trend<'a>(
    months: &'a [String],
    lines: &'a [Trend],
    target: Option<(f64, &'a str)>,
    svg: &'a mut String,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let n = months.len().max(1);
    let root = SVGBackend::with_string(svg, (760, 300)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(262);
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(44)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..100f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            months.get(i as usize).cloned().unwrap_or_default()
        })
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .label_style(("sans-serif", 11))
        .draw()?;
    if let Some((t, _)) = target {
        // Dashes drawn as short segments: the plotters build here has no dashed style.
        let mut x = -0.5;
        while x < n as f64 - 0.5 {
            let end = (x + 0.12).min(n as f64 - 0.5);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, t), (end, t)],
                BLACK.stroke_width(1),
            )))?;
            x += 0.22;
        }
    }
    for line in lines {
        let points: Vec<(f64, f64)> = line
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        // Consecutive months are joined; a gap starts a new run.
        let mut run: Vec<(f64, f64)> = Vec::new();
        for p in &points {
            if run.last().is_some_and(|l| p.0 - l.0 > 1.5) {
                chart.draw_series(std::iter::once(PathElement::new(
                    std::mem::take(&mut run),
                    line.colour.stroke_width(2),
                )))?;
            }
            run.push(*p);
        }
        chart.draw_series(std::iter::once(PathElement::new(
            run,
            line.colour.stroke_width(2),
        )))?;
        chart.draw_series(
            points
                .iter()
                .map(|p| Circle::new(*p, 3, line.colour.filled())),
        )?;
    }
    let mut x = 50;
    for line in lines {
        legend.draw(&Rectangle::new(
            [(x, 12), (x + 18, 16)],
            line.colour.filled(),
        ))?;
        legend.draw(&Text::new(
            line.name.clone(),
            (x + 24, 7),
            ("sans-serif", 12).into_font(),
        ))?;
        x += 30 + 7 * line.name.chars().count() as i32;
    }
    if let Some((_, label)) = target {
        legend.draw(&PathElement::new(vec![(x, 14), (x + 6, 14)], BLACK))?;
        legend.draw(&PathElement::new(vec![(x + 10, 14), (x + 16, 14)], BLACK))?;
        legend.draw(&Text::new(
            label.to_string(),
            (x + 24, 7),
            ("sans-serif", 12).into_font(),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// Answer-time bands per channel: one horizontal bar a channel, split into the shares answered
/// within 10 seconds, from 11 to 60, and after more than 60.
pub fn bands_svg(rows: &[(String, [f64; 3])]) -> String {
    let mut svg = String::new();
    let drawn = draw_bands(rows, &mut svg).map_err(|e| e.to_string());
    or_notice(drawn, svg)
}

fn draw_bands<'a>(
    rows: &'a [(String, [f64; 3])],
    svg: &'a mut String,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let n = rows.len().max(1);
    let height = 70 + 34 * n as u32;
    let root = SVGBackend::with_string(svg, (760, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_vertically(height - 34);
    let mut chart = ChartBuilder::on(&plot)
        .margin(10)
        .x_label_area_size(26)
        .y_label_area_size(150)
        .build_cartesian_2d(0f64..100f64, -0.5f64..(n as f64 - 0.5))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            // The first channel at the top.
            rows.get(n - 1 - i as usize)
                .map(|r| r.0.clone())
                .unwrap_or_default()
        })
        .x_labels(6)
        .x_label_formatter(&|x| format!("{x:.0}%"))
        .label_style(("sans-serif", 11))
        .draw()?;
    for (k, (_, shares)) in rows.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let mut left = 0.0;
        for (share, colour) in shares.iter().zip([POSITIVE, SUGGESTIONS, NEGATIVE]) {
            if *share > 0.0 {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(left, y - 0.32), (left + share, y + 0.32)],
                    colour.filled(),
                )))?;
            }
            left += share;
        }
    }
    for (k, (name, colour)) in [
        ("Within 10 s", POSITIVE),
        ("11 to 60 s", SUGGESTIONS),
        ("Over 60 s", NEGATIVE),
    ]
    .into_iter()
    .enumerate()
    {
        let x = 160 + k as i32 * 170;
        legend.draw(&Rectangle::new([(x, 8), (x + 14, 22)], colour.filled()))?;
        legend.draw(&Text::new(
            name,
            (x + 20, 9),
            ("sans-serif", 12).into_font(),
        ))?;
    }
    root.present()?;
    Ok(())
}
