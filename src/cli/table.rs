//! Human output of the list commands: an aligned table with a header row (comfy-table, no
//! borders, no terminal probing, so piped output is the same), times in UTC to the minute.

use comfy_table::{ContentArrangement, Table, presets};
use time::OffsetDateTime;
use time::macros::format_description;

/// Print `rows` under `headers`, columns aligned; an empty list prints `empty` instead.
pub fn print(headers: &[&str], rows: Vec<Vec<String>>, empty: &str) {
    if rows.is_empty() {
        println!("{empty}");
        return;
    }
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    for line in table.lines() {
        println!("{}", line.trim_end());
    }
}

/// `2026-11-25 12:00` (UTC).
pub fn when(at: OffsetDateTime) -> String {
    at.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// An expiry: its time, or `never`.
pub fn expires(at: Option<OffsetDateTime>) -> String {
    at.map_or_else(|| "never".to_owned(), when)
}

/// A last use: its time, or `never` (recorded at most once per interval, so it may lag).
pub fn last_used(at: Option<OffsetDateTime>) -> String {
    expires(at)
}

/// `revoked`, `expired` or `active`, in that order of precedence.
pub fn state(revoked: bool, expired: bool) -> &'static str {
    if revoked {
        "revoked"
    } else if expired {
        "expired"
    } else {
        "active"
    }
}
