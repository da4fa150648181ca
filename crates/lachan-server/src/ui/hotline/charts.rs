//! The statistics page's charts, drawn server-side as SVG with `plotters` on the axes of the
//! activity charts ([`crate::ui::charts`]): contacts per period as stacked bars (reports of
//! online harm on other contacts), and the hotline's work per period as lines (cases opened,
//! interventions, referrals). Legends are written in the page, with the [`Swatch`] colours.

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;

use crate::ui::charts::{
    ChartError, HEIGHT, Swatch, WIDTH, axis_text, axis_top, builder, draw_grid, failed,
};

/// Most period labels written under a chart; the others are left blank.
const MAX_LABELS: usize = 6;

/// One series of a chart: a label, a colour and a value per period.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// Shown in the legend.
    pub label: String,
    /// Bar or line colour.
    pub color: Swatch,
    /// One value per period label.
    pub values: Vec<u64>,
}

/// The data of a chart over periods.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PeriodData {
    /// The periods' short names, oldest first.
    pub labels: Vec<String>,
    /// The series, stacked or drawn in this order.
    pub series: Vec<Series>,
    /// Title of the vertical axis.
    pub axis: String,
}

impl PeriodData {
    fn periods(&self) -> Result<u32, ChartError> {
        Ok(u32::try_from(self.labels.len()).map_err(failed)?.max(1))
    }

    fn value(&self, series: usize, period: u32) -> u64 {
        self.series
            .get(series)
            .and_then(|s| s.values.get(period as usize))
            .copied()
            .unwrap_or(0)
    }
}

/// `labels` with all but at most [`MAX_LABELS`] evenly spread ones blanked.
fn sparse(labels: &[String]) -> Vec<String> {
    let step = labels.len().div_ceil(MAX_LABELS).max(1);
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i % step == 0 {
                l.clone()
            } else {
                String::new()
            }
        })
        .collect()
}

/// Draws a chart over `data`'s periods with a vertical axis up to `top`; `draw` adds the
/// series. Returns the SVG document.
fn chart_svg(
    data: &PeriodData,
    top: u64,
    draw: impl FnOnce(&mut crate::ui::charts::Grid<'_, '_>, u32) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let periods = data.periods()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = builder(&root)
            .y_label_area_size(62)
            .build_cartesian_2d((0..periods).into_segmented(), 0..top + 1)
            .map_err(failed)?;
        let labels = sparse(&data.labels);
        draw_grid(&mut chart, periods, &labels, &data.axis, &axis_text())?;
        draw(&mut chart, periods)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// The series of `data` stacked as bars, one bar per period.
pub(crate) fn stacked_svg(data: &PeriodData) -> Result<String, ChartError> {
    let periods = data.periods()?;
    let totals = (0..periods).map(|p| (0..data.series.len()).map(|s| data.value(s, p)).sum());
    let top = axis_top(totals.max().unwrap_or(0), 5);
    // Room between bars: a fifth of a period's width, at most 8 units.
    let margin = (WIDTH / periods / 5).min(8);
    chart_svg(data, top, |chart, periods| {
        let mut bars = Vec::new();
        for period in 0..periods {
            let mut base = 0u64;
            for (s, series) in data.series.iter().enumerate() {
                let value = data.value(s, period);
                if value == 0 {
                    continue;
                }
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(period), base),
                        (SegmentValue::Exact(period + 1), base + value),
                    ],
                    series.color.rgb().filled(),
                );
                bar.set_margin(0, 0, margin, margin);
                bars.push(bar);
                base += value;
            }
        }
        chart.draw_series(bars).map_err(failed)?;
        Ok(())
    })
}

/// Each series of `data` as a line through a point per period.
pub(crate) fn lines_svg(data: &PeriodData) -> Result<String, ChartError> {
    let periods = data.periods()?;
    let max = (0..data.series.len())
        .flat_map(|s| (0..periods).map(move |p| (s, p)))
        .map(|(s, p)| data.value(s, p))
        .max();
    let top = axis_top(max.unwrap_or(0), 5);
    chart_svg(data, top, |chart, periods| {
        for (s, series) in data.series.iter().enumerate() {
            let points: Vec<(SegmentValue<u32>, u64)> = (0..periods)
                .map(|p| (SegmentValue::CenterOf(p), data.value(s, p)))
                .collect();
            let color = series.color.rgb();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                .map_err(failed)?;
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 5, color.filled())),
                )
                .map_err(failed)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RED: Swatch = Swatch(0xc0, 0x39, 0x2b);
    const BLUE: Swatch = Swatch(0x2f, 0x6f, 0xb3);

    fn data(days: usize) -> PeriodData {
        PeriodData {
            labels: (1..=days).map(|d| format!("{d}/6")).collect(),
            series: vec![
                Series {
                    label: "Báo cáo".into(),
                    color: RED,
                    values: (0..days as u64).map(|d| d % 3).collect(),
                },
                Series {
                    label: "Khác".into(),
                    color: BLUE,
                    values: vec![4; days],
                },
            ],
            axis: "Lượt liên hệ".into(),
        }
    }

    fn fill(color: Swatch) -> String {
        format!("fill=\"{}\"", color.hex().to_uppercase())
    }

    fn has_text(svg: &str, label: &str) -> bool {
        svg.contains(&format!(">\n{label}\n</text>"))
    }

    #[test]
    fn stacked_bars_skip_zero_values_and_reach_the_highest_total() {
        let svg = stacked_svg(&data(7)).unwrap();
        // Days 1..7 have reports 0,1,2,0,1,2,0: four non-zero bars.
        assert_eq!(svg.matches(&fill(RED)).count(), 4, "{svg}");
        assert_eq!(svg.matches(&fill(BLUE)).count(), 7);
        assert!(has_text(&svg, "6"), "the axis reaches 2 + 4: {svg}");
        assert!(has_text(&svg, "Lượt liên hệ"));
        assert!(has_text(&svg, "1/6") && has_text(&svg, "7/6"));
    }

    #[test]
    fn long_ranges_label_a_few_periods_only() {
        let svg = stacked_svg(&data(31)).unwrap();
        let labelled = (1..=31)
            .filter(|d| has_text(&svg, &format!("{d}/6")))
            .count();
        assert!((2..=MAX_LABELS).contains(&labelled), "{labelled} labels");
        assert!(has_text(&svg, "1/6"));
    }

    #[test]
    fn lines_have_a_point_per_period_and_series() {
        let svg = lines_svg(&data(5)).unwrap();
        assert_eq!(svg.matches("<circle").count(), 10, "{svg}");
        for color in [RED, BLUE] {
            let line = format!(
                "stroke=\"{}\" stroke-width=\"3\"",
                color.hex().to_uppercase()
            );
            assert_eq!(svg.matches(&line).count(), 1, "one line of {color:?}");
        }
    }

    #[test]
    fn one_empty_period_still_draws_axes() {
        let mut one = data(1);
        one.series.iter_mut().for_each(|s| s.values = vec![0]);
        let svg = stacked_svg(&one).unwrap();
        assert!(has_text(&svg, "5"), "the axis has a floor: {svg}");
        assert!(lines_svg(&one).is_ok());
    }
}
