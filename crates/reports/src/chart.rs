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
