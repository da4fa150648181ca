//! The activity charts, drawn server-side as SVG with `plotters`: a week of minutes per service
//! group (stacked bars) with the blocked attempts of each day (a line on the right axis), and
//! a day's queries per hour (allowed and blocked, stacked).
//!
//! Labels arrive already translated; the legends are written in the page around the chart,
//! with [`Swatch`] colours, so that they stay readable on a phone. The hotline's statistics
//! charts (`hotline::charts`) draw with the same axes, grid and text.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::{RangedCoordu32, RangedCoordu64};
use plotters::prelude::*;

/// Width of the charts' drawing, in SVG units; pages scale it to their width.
pub(super) const WIDTH: u32 = 480;
/// Height of the charts' drawing, in SVG units.
pub(super) const HEIGHT: u32 = 320;
/// Text size of the axes (plotters draws it at about 80 %), readable when a phone shrinks the
/// chart by a third.
const FONT_SIZE: u32 = 24;
/// Colour of the axes' text and lines.
const INK: RGBColor = RGBColor(0x3a, 0x4a, 0x5c);
/// Colour of the blocked attempts.
pub(crate) const BLOCKED: Swatch = Swatch(0xc0, 0x39, 0x2b);
/// Colour of the allowed queries.
pub(crate) const ALLOWED: Swatch = Swatch(0x2f, 0x6f, 0xb3);

/// A colour shared by a chart and its legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Swatch(pub u8, pub u8, pub u8);

impl Swatch {
    /// The colour as CSS/SVG text, `#rrggbb`.
    pub(crate) fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    pub(super) fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// One stacked series of a week: a label, a colour and a value per day.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stack {
    /// Shown in the legend.
    pub label: String,
    /// Bar colour.
    pub color: Swatch,
    /// Minutes per day, one per day label.
    pub minutes: Vec<u32>,
}

/// The data of the week chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WeekData {
    /// Short day names, oldest first.
    pub days: Vec<String>,
    /// Minutes per service group, stacked in this order.
    pub stacks: Vec<Stack>,
    /// Blocked attempts per day.
    pub blocked: Vec<u64>,
    /// Title of the left axis (minutes).
    pub minutes_axis: String,
    /// Title of the right axis (blocked attempts).
    pub blocked_axis: String,
}

/// The data of the day chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DayData {
    /// Queries answered (allowed) in each local hour, from 00:00.
    pub allowed: Vec<u64>,
    /// Queries blocked in each local hour.
    pub blocked: Vec<u64>,
    /// Title of the vertical axis.
    pub queries_axis: String,
    /// Suffix after an hour number on the horizontal axis ("h" gives "18h").
    pub hour_suffix: String,
}

/// A chart could not be drawn (only a formatting failure of the SVG text can cause it).
#[derive(Debug, thiserror::Error)]
#[error("the chart could not be drawn: {0}")]
pub(crate) struct ChartError(String);

pub(super) fn failed<E: std::fmt::Debug>(error: E) -> ChartError {
    ChartError(format!("{error:?}"))
}

/// A round axis top at or above `max` (at least `floor`): a multiple of a step of 1, 2 or 5
/// times a power of ten that cuts the axis into at most five parts.
pub(super) fn axis_top(max: u64, floor: u64) -> u64 {
    let max = max.max(floor).max(1);
    let mut power = 1u64;
    loop {
        for step in [power, power.saturating_mul(2), power.saturating_mul(5)] {
            if max.div_ceil(step) <= 5 {
                return max.div_ceil(step).saturating_mul(step);
            }
        }
        power = power.saturating_mul(10);
    }
}

/// The charts' coordinates: a segment per day or hour across, a count upward.
pub(super) type Grid<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordu32>, RangedCoordu64>>;

/// The text style of the axes.
pub(super) fn axis_text() -> TextStyle<'static> {
    ("sans-serif", FONT_SIZE).into_font().color(&INK)
}

/// A chart on `root` with the margins and the bottom label area both charts have.
pub(super) fn builder<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder.margin(12).margin_top(22).x_label_area_size(36);
    builder
}

/// Draws the horizontal grid lines and the axes: `segments` across, labelled from `labels`,
/// and the left axis titled `title`.
pub(super) fn draw_grid(
    chart: &mut Grid<'_, '_>,
    segments: u32,
    labels: &[String],
    title: &str,
    text: &TextStyle<'_>,
) -> Result<(), ChartError> {
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xe3, 0xe8, 0xee))
        .axis_style(INK)
        .x_labels(segments as usize)
        .y_labels(7)
        .x_label_formatter(&|v| label_of(labels, v))
        .x_label_style(text.clone())
        .y_label_style(text.clone())
        .y_desc(title)
        .axis_desc_style(text.clone())
        .draw()
        .map_err(failed)
}

fn label_of(labels: &[String], value: &SegmentValue<u32>) -> String {
    match value {
        SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// The week chart as an SVG document.
pub(crate) fn week_svg(data: &WeekData) -> Result<String, ChartError> {
    let days = u32::try_from(data.days.len()).map_err(failed)?.max(2);
    let totals: Vec<u64> = (0..days as usize)
        .map(|d| {
            data.stacks
                .iter()
                .map(|s| u64::from(s.minutes.get(d).copied().unwrap_or(0)))
                .sum()
        })
        .collect();
    let minutes_top = axis_top(totals.iter().copied().max().unwrap_or(0), 60);
    let blocked_top = axis_top(data.blocked.iter().copied().max().unwrap_or(0), 10);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let text = axis_text();
        let mut chart = builder(&root)
            .y_label_area_size(62)
            .right_y_label_area_size(58)
            .build_cartesian_2d((0..days - 1).into_segmented(), 0..minutes_top + 1)
            .map_err(failed)?
            .set_secondary_coord((0..days - 1).into_segmented(), 0..blocked_top + 1);
        draw_grid(&mut chart, days, &data.days, &data.minutes_axis, &text)?;
        chart
            .configure_secondary_axes()
            .axis_style(INK)
            .y_labels(7)
            .label_style(text.clone().color(&BLOCKED.rgb()))
            .y_desc(data.blocked_axis.as_str())
            .axis_desc_style(text.color(&BLOCKED.rgb()))
            .draw()
            .map_err(failed)?;
        let mut bars = Vec::new();
        for day in 0..days {
            let mut base = 0u64;
            for stack in &data.stacks {
                let value = u64::from(stack.minutes.get(day as usize).copied().unwrap_or(0));
                if value == 0 {
                    continue;
                }
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(day), base),
                        (SegmentValue::Exact(day + 1), base + value),
                    ],
                    stack.color.rgb().filled(),
                );
                bar.set_margin(0, 0, 8, 8);
                bars.push(bar);
                base += value;
            }
        }
        chart.draw_series(bars).map_err(failed)?;
        let points: Vec<(SegmentValue<u32>, u64)> = data
            .blocked
            .iter()
            .zip(0..days)
            .map(|(&count, day)| (SegmentValue::CenterOf(day), count))
            .collect();
        let line = BLOCKED.rgb().stroke_width(3);
        chart
            .draw_secondary_series(LineSeries::new(points.clone(), line))
            .map_err(failed)?;
        chart
            .draw_secondary_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 5, BLOCKED.rgb().filled())),
            )
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// The day chart as an SVG document.
pub(crate) fn day_svg(data: &DayData) -> Result<String, ChartError> {
    const HOURS: u32 = 24;
    let value = |v: &[u64], h: u32| v.get(h as usize).copied().unwrap_or(0);
    let top = axis_top(
        (0..HOURS)
            .map(|h| value(&data.allowed, h) + value(&data.blocked, h))
            .max()
            .unwrap_or(0),
        10,
    );
    let labels: Vec<String> = (0..HOURS)
        .map(|h| {
            if h % 3 == 0 {
                format!("{h}{}", data.hour_suffix)
            } else {
                String::new()
            }
        })
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = builder(&root)
            .y_label_area_size(70)
            .build_cartesian_2d((0..HOURS - 1).into_segmented(), 0..top + 1)
            .map_err(failed)?;
        draw_grid(&mut chart, HOURS, &labels, &data.queries_axis, &axis_text())?;
        let mut bars = Vec::new();
        for hour in 0..HOURS {
            let allowed = value(&data.allowed, hour);
            let blocked = value(&data.blocked, hour);
            for (low, high, color) in [(0, allowed, ALLOWED), (allowed, allowed + blocked, BLOCKED)]
            {
                if high > low {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(hour), low),
                            (SegmentValue::Exact(hour + 1), high),
                        ],
                        color.rgb().filled(),
                    );
                    bar.set_margin(0, 0, 2, 2);
                    bars.push(bar);
                }
            }
        }
        chart.draw_series(bars).map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week() -> WeekData {
        WeekData {
            days: ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
                .map(String::from)
                .to_vec(),
            stacks: vec![
                Stack {
                    label: "Trò chơi".into(),
                    color: Swatch(0xf0, 0x8a, 0x24),
                    minutes: vec![60, 120, 0, 30, 180, 200, 90],
                },
                Stack {
                    label: "Video".into(),
                    color: Swatch(0x8e, 0x6b, 0xbf),
                    minutes: vec![30, 0, 0, 0, 45, 60, 20],
                },
            ],
            blocked: vec![3, 0, 12, 5, 40, 2, 0],
            minutes_axis: "Phút".into(),
            blocked_axis: "Lượt bị chặn".into(),
        }
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    /// Whether the SVG has a text element reading exactly `label`.
    fn has_text(svg: &str, label: &str) -> bool {
        svg.contains(&format!(">\n{label}\n</text>"))
    }

    #[test]
    fn week_chart_has_a_bar_per_nonzero_group_day_and_labels() {
        let svg = week_svg(&week()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.trim_end().ends_with("</svg>"));
        // 6 game days and 4 video days are non-zero.
        assert_eq!(count(&svg, "fill=\"#F08A24\""), 6, "{svg}");
        assert_eq!(count(&svg, "fill=\"#8E6BBF\""), 4);
        for day in ["T2", "CN", "Phút", "Lượt bị chặn"] {
            assert!(has_text(&svg, day), "{day} missing");
        }
        // One point per day for the blocked attempts, and a line through them.
        assert_eq!(count(&svg, "<circle"), 7);
        let line = format!(
            "stroke=\"{}\" stroke-width=\"3\"",
            BLOCKED.hex().to_uppercase()
        );
        assert_eq!(count(&svg, &line), 1, "{svg}");
        // The left axis reaches the highest stacked day: Saturday's 260 minutes.
        assert!(has_text(&svg, "300"), "{svg}");
        assert!(
            has_text(&svg, "40"),
            "the right axis reaches Friday's 40 blocked"
        );
    }

    #[test]
    fn week_chart_bars_stack_in_order() {
        let svg = week_svg(&week()).unwrap();
        let games = svg.find("fill=\"#F08A24\"").unwrap();
        let video = svg.find("fill=\"#8E6BBF\"").unwrap();
        assert!(games < video, "game bars are drawn first, at the bottom");
    }

    #[test]
    fn empty_week_still_draws_axes() {
        let mut data = week();
        data.stacks.clear();
        data.blocked = vec![0; 7];
        let svg = week_svg(&data).unwrap();
        assert!(has_text(&svg, "60"), "the minutes axis has a floor");
        assert_eq!(count(&svg, "<circle"), 7);
    }

    #[test]
    fn day_chart_stacks_blocked_on_allowed_per_hour() {
        let mut allowed = vec![0u64; 24];
        let mut blocked = vec![0u64; 24];
        allowed[8] = 120;
        allowed[20] = 450;
        blocked[20] = 50;
        blocked[23] = 7;
        let svg = day_svg(&DayData {
            allowed,
            blocked,
            queries_axis: "Queries".into(),
            hour_suffix: "h".into(),
        })
        .unwrap();
        assert_eq!(
            count(&svg, &format!("fill=\"{}\"", ALLOWED.hex().to_uppercase())),
            2
        );
        assert_eq!(
            count(&svg, &format!("fill=\"{}\"", BLOCKED.hex().to_uppercase())),
            2
        );
        for label in ["0h", "21h", "Queries", "500"] {
            assert!(has_text(&svg, label), "{label} missing: {svg}");
        }
        assert!(!has_text(&svg, "1h"), "only every third hour is labelled");
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(axis_top(0, 60), 60);
        assert_eq!(axis_top(61, 60), 80);
        assert_eq!(axis_top(200, 60), 200);
        assert_eq!(axis_top(260, 60), 300);
        assert_eq!(axis_top(7, 10), 10);
        assert_eq!(axis_top(12_345, 10), 15_000);
        assert_eq!(axis_top(u64::MAX, 10), u64::MAX);
    }
}
