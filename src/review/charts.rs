//! Charts drawn on the server as SVG: no chart library, no CDN, readable
//! without JavaScript. Each chart carries a title and a text description
//! for screen readers, and its numbers as text on the bars.

use leptos::prelude::*;

/// One bar of a stacked bar chart: its label and its parts, bottom up.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub label: String,
    pub parts: Vec<i64>,
}

/// Chart geometry, kept pure so it can be tested.
pub mod geometry {
    /// The height of `value` in a chart whose tallest bar is `max` and
    /// whose plot area is `height` high; an all-zero chart draws nothing.
    pub fn height(value: i64, max: i64, height: f64) -> f64 {
        if max <= 0 || value <= 0 {
            0.0
        } else {
            height * value as f64 / max as f64
        }
    }

    /// A round axis top at or above `max` (1, 2, 5 × 10ⁿ), so grid lines
    /// fall on whole numbers.
    pub fn nice_max(max: i64) -> i64 {
        if max <= 1 {
            return 1;
        }
        let mut step = 1;
        loop {
            for m in [1, 2, 5] {
                if m * step >= max {
                    return m * step;
                }
            }
            step *= 10;
        }
    }
}

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// Vertical stacked bars (e.g. sessions per day: view-only and with
/// changes). `series` names the parts and gives their CSS classes.
#[component]
pub fn StackedBars(
    title: String,
    description: String,
    bars: Vec<Stack>,
    series: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    let max = geometry::nice_max(
        bars.iter()
            .map(|b| b.parts.iter().sum::<i64>())
            .max()
            .unwrap_or(0),
    );
    let plot_h = H - BOTTOM - TOP;
    let slot = (W - LEFT) / bars.len().max(1) as f64;
    let bar_w = (slot * 0.6).min(48.0);
    let grid = [0, max / 2, max]
        .into_iter()
        .map(|v| {
            let y = H - BOTTOM - geometry::height(v, max, plot_h);
            view! {
                <line x1=LEFT x2=W y1=y y2=y class="grid" />
                <text x=LEFT - 6.0 y=y + 4.0 text-anchor="end" class="axis">{v}</text>
            }
        })
        .collect_view();
    let drawn = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
            let mut base = H - BOTTOM;
            let parts = b
                .parts
                .iter()
                .zip(series.iter())
                .map(|(v, (_, class))| {
                    let h = geometry::height(*v, max, plot_h);
                    base -= h;
                    view! { <rect x=x y=base width=bar_w height=h class=*class /> }
                })
                .collect_view();
            let total: i64 = b.parts.iter().sum();
            view! {
                <g>
                    {parts}
                    <text x=x + bar_w / 2.0 y=base - 4.0 text-anchor="middle" class="value">{total}</text>
                    <text x=x + bar_w / 2.0 y=H - 8.0 text-anchor="middle" class="axis">{b.label.clone()}</text>
                </g>
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(
            |(name, class)| view! { <li><span class=format!("swatch {class}")></span>{*name}</li> },
        )
        .collect_view();
    let id = title
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby=format!("{id}-t {id}-d")>
                <title id=format!("{id}-t")>{title.clone()}</title>
                <desc id=format!("{id}-d")>{description}</desc>
                {grid}
                {drawn}
            </svg>
            <figcaption>{title}<ul class="legend">{legend}</ul></figcaption>
        </figure>
    }
}

/// Horizontal bars with their values (e.g. sessions per agent).
#[component]
pub fn HorizontalBars(
    title: String,
    rows: Vec<(String, i64)>,
    empty: &'static str,
) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <figure class="chart"><p class="empty">{empty}</p><figcaption>{title}</figcaption></figure>
        }
        .into_any();
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let row_h = 26.0;
    let label_w = 150.0;
    let height = row_h * rows.len() as f64 + 8.0;
    let description = rows
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let drawn = rows
        .into_iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let y = 4.0 + row_h * i as f64;
            let w = geometry::height(value, max, W - label_w - 50.0);
            view! {
                <g>
                    <text x=label_w - 8.0 y=y + 16.0 text-anchor="end" class="axis">{name}</text>
                    <rect x=label_w y=y + 3.0 width=w height=row_h - 8.0 class="bar" />
                    <text x=label_w + w + 6.0 y=y + 16.0 class="value">{value}</text>
                </g>
            }
        })
        .collect_view();
    let id = title
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {height}") role="img" aria-labelledby=format!("{id}-t {id}-d")>
                <title id=format!("{id}-t")>{title.clone()}</title>
                <desc id=format!("{id}-d")>{description}</desc>
                {drawn}
            </svg>
            <figcaption>{title}</figcaption>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::geometry::*;

    #[test]
    fn bars_scale_to_the_tallest_and_zero_draws_nothing() {
        assert_eq!(height(5, 10, 100.0), 50.0);
        assert_eq!(height(10, 10, 100.0), 100.0);
        assert_eq!(height(0, 10, 100.0), 0.0);
        assert_eq!(height(3, 0, 100.0), 0.0);
    }

    #[test]
    fn the_axis_tops_at_a_round_number() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(12), 20);
        assert_eq!(nice_max(51), 100);
        assert_eq!(nice_max(100), 100);
    }
}
