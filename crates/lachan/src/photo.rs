//! `lachan photo check|strip`: what a photo reveals through its metadata (GPS position with
//! its precision, capture time, camera and serial numbers, names, places, embedded thumbnail),
//! in Vietnamese by default or English, or as JSON; and a copy without it, the picture data
//! untouched (see `lachan_image::privacy`).

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use lachan_image::privacy::{
    self, BlockKind, Cleaned, MAX_PHOTO_BYTES, MetadataBlock, NameRole, PhotoReport, PlaceField,
};
use serde_json::Value;

/// The language of the plain output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Vietnamese (the default).
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The Vietnamese or the English text.
    fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// Reads a photo file, refusing one larger than the privacy module accepts.
fn read_photo(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).context("cannot open the file")?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        bail!("it is a directory, not a photo");
    }
    let mut bytes = Vec::new();
    file.take(MAX_PHOTO_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .context("cannot read the file")?;
    Ok(bytes)
}

/// `lachan photo check FILE... [--json] [--lang vi|en]`: what each photo reveals.
pub fn check(files: &[PathBuf], json: bool, lang: Lang) -> Result<()> {
    let mut failed = 0;
    for path in files {
        let report = read_photo(path).and_then(|bytes| Ok(privacy::inspect(&bytes)?));
        match report {
            Ok(report) if json => {
                let mut line = serde_json::to_value(&report)?;
                if let Value::Object(fields) = &mut line {
                    fields.insert("path".into(), path.display().to_string().into());
                }
                println!("{line}");
            }
            Ok(report) => {
                print_report(path, &report, lang);
            }
            Err(error) => {
                failed += 1;
                if json {
                    let line = serde_json::json!({
                        "path": path.display().to_string(),
                        "error": format!("{error:#}"),
                    });
                    println!("{line}");
                } else {
                    eprintln!("lachan: {}: {error:#}", path.display());
                }
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files could not be checked", files.len());
    }
    Ok(())
}

/// `lachan photo strip FILE -o OUT [--force]`: writes the photo without its metadata to OUT
/// (through a temporary file, so OUT is never left half-written) and says what was removed.
/// OUT may be FILE itself only with `force`.
pub fn strip(input: &Path, output: &Path, force: bool, lang: Lang) -> Result<()> {
    if !force && same_file(input, output) {
        bail!(
            "{} is the input file; choose another output (-o), or add --force to replace the \
             original",
            output.display()
        );
    }
    let bytes = read_photo(input).with_context(|| input.display().to_string())?;
    let cleaned = privacy::clean(&bytes).with_context(|| input.display().to_string())?;
    write_atomically(output, &cleaned.bytes)?;
    print_cleaned(output, bytes.len(), &cleaned, lang);
    Ok(())
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lachan-tmp");
    let temporary = path.with_file_name(name);
    let written = std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .with_context(|| format!("cannot write {}", path.display()));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// One line per finding of `report`, in `lang`.
fn report_lines(report: &PhotoReport, lang: Lang) -> Vec<String> {
    let t = |vi, en| lang.pick(vi, en).to_string();
    let mut lines = Vec::new();
    let mut line = |label: String, value: String| lines.push(format!("{label}: {value}"));
    if let Some(gps) = &report.gps {
        let mut value = format!(
            "{} ({} ~{})",
            gps.coordinates(),
            t("chính xác", "accurate to"),
            gps.precision_text()
        );
        if let Some(altitude) = gps.altitude_m {
            value.push_str(&format!(", {} {altitude:.0} m", t("độ cao", "altitude")));
        }
        line(t("Vị trí GPS", "GPS position"), value);
    }
    if let Some(time) = &report.captured {
        let offset = time.offset.as_deref().map(|o| format!(" (UTC{o})"));
        line(
            t("Thời điểm chụp", "Taken"),
            format!("{}{}", time.local, offset.unwrap_or_default()),
        );
    }
    if let Some(time) = &report.gps_time {
        line(t("Giờ GPS", "GPS time"), time.clone());
    }
    for (label, value) in [
        (t("Máy ảnh", "Camera"), &report.camera),
        (t("Ống kính", "Lens"), &report.lens),
        (
            t("Số sê-ri thân máy", "Camera serial number"),
            &report.body_serial,
        ),
        (
            t("Số sê-ri ống kính", "Lens serial number"),
            &report.lens_serial,
        ),
        (
            t("Mã riêng của ảnh", "Unique picture id"),
            &report.unique_id,
        ),
        (t("Phần mềm", "Software"), &report.software),
    ] {
        if let Some(value) = value {
            line(label, value.clone());
        }
    }
    for name in &report.names {
        line(name_label(name.role, lang), name.value.clone());
    }
    for place in &report.places {
        line(place_label(place.field, lang), place.value.clone());
    }
    for text in &report.texts {
        line(
            format!("{} \"{}\"", t("Ghi chú", "Text"), text.key),
            text.value.clone(),
        );
    }
    if let Some(thumbnail) = &report.thumbnail {
        let size = match (thumbnail.width, thumbnail.height) {
            (Some(w), Some(h)) => format!("{w}×{h}, "),
            _ => String::new(),
        };
        line(
            t("Ảnh thu nhỏ nhúng trong tệp", "Embedded thumbnail"),
            format!("{size}{}", bytes_text(thumbnail.bytes)),
        );
    }
    lines
}

/// The words for a block kind.
fn block_label(kind: BlockKind, lang: Lang) -> &'static str {
    match kind {
        BlockKind::Exif => "EXIF",
        BlockKind::Orientation => {
            lang.pick("EXIF chỉ có hướng xoay", "EXIF with only the orientation")
        }
        BlockKind::MakerNote => lang.pick("dữ liệu riêng của hãng máy", "camera maker's data"),
        BlockKind::Xmp => "XMP",
        BlockKind::Photoshop => lang.pick("Photoshop/IPTC", "Photoshop/IPTC"),
        BlockKind::Icc => lang.pick("hồ sơ màu ICC", "ICC colour profile"),
        BlockKind::Comment => lang.pick("chú thích", "comment"),
        BlockKind::Text => lang.pick("đoạn văn bản PNG", "PNG text"),
        BlockKind::Time => lang.pick("giờ sửa PNG", "PNG modification time"),
        BlockKind::MultiPicture => lang.pick("mục lục nhiều ảnh", "multi-picture index"),
        BlockKind::Credentials => {
            lang.pick("chứng chỉ nội dung (C2PA)", "content credentials (C2PA)")
        }
        BlockKind::Trailing => lang.pick("dữ liệu sau cuối ảnh", "data after the picture"),
        BlockKind::Other => lang.pick("khối khác", "other block"),
    }
}

fn name_label(role: NameRole, lang: Lang) -> String {
    lang.pick(
        match role {
            NameRole::Owner => "Chủ máy ảnh",
            NameRole::Artist => "Tác giả",
            NameRole::Copyright => "Bản quyền",
            NameRole::Creator => "Người tạo",
            NameRole::Byline => "Người chụp",
            NameRole::Contact => "Liên hệ",
            NameRole::Person => "Người được gắn tên trong ảnh",
        },
        match role {
            NameRole::Owner => "Camera owner",
            NameRole::Artist => "Author",
            NameRole::Copyright => "Copyright",
            NameRole::Creator => "Creator",
            NameRole::Byline => "Photographer",
            NameRole::Contact => "Contact",
            NameRole::Person => "Person tagged in the picture",
        },
    )
    .to_string()
}

fn place_label(field: PlaceField, lang: Lang) -> String {
    let (vi, en) = match field {
        PlaceField::Location => ("Địa điểm", "Location"),
        PlaceField::Sublocation => ("Địa chỉ / khu vực", "Address / area"),
        PlaceField::City => ("Thành phố", "City"),
        PlaceField::State => ("Tỉnh / bang", "Province / state"),
        PlaceField::Country => ("Quốc gia", "Country"),
    };
    lang.pick(vi, en).to_string()
}

/// "11 KB", "3.5 MB", "67 B".
fn bytes_text(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// "EXIF 17 KB, dữ liệu sau cuối ảnh 67 B (note)".
fn blocks_text(blocks: &[&MetadataBlock], lang: Lang) -> String {
    blocks
        .iter()
        .map(|b| {
            let note = b
                .note
                .as_deref()
                // Names of chunks and segments; the notes on trailing data are English.
                .filter(|_| match b.kind {
                    BlockKind::Other | BlockKind::Text => true,
                    BlockKind::Trailing => lang == Lang::En,
                    _ => false,
                })
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            format!(
                "{} {}{note}",
                block_label(b.kind, lang),
                bytes_text(b.bytes)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_report(path: &Path, report: &PhotoReport, lang: Lang) {
    let t = |vi, en| lang.pick(vi, en);
    println!("{} ({})", path.display(), report.format.name());
    if report.reveals_nothing() {
        println!(
            "  {}",
            t(
                "Không thấy thông tin cá nhân nào trong siêu dữ liệu của ảnh.",
                "No personal information found in the photo's metadata."
            )
        );
    } else {
        println!("  {}", t("Ảnh này tiết lộ:", "This photo reveals:"));
        for line in report_lines(report, lang) {
            println!("    {line}");
        }
        let blocks: Vec<&MetadataBlock> =
            report.blocks.iter().filter(|b| !b.kind.is_kept()).collect();
        if !blocks.is_empty() {
            println!(
                "    {}: {}",
                t("Khối siêu dữ liệu", "Metadata blocks"),
                blocks_text(&blocks, lang)
            );
        }
        println!(
            "  {} lachan photo strip {} -o {}",
            t("Xoá những thông tin này:", "Remove it:"),
            path.display(),
            t("anh-sach.jpg", "clean.jpg")
        );
    }
    if let Some(orientation) = report.orientation.filter(|&o| o != 1) {
        println!(
            "  {} {orientation} ({})",
            t("Hướng xoay:", "Orientation:"),
            t(
                "được giữ khi làm sạch để ảnh không bị xoay",
                "kept when cleaning, so the picture is not turned"
            )
        );
    }
}

fn print_cleaned(output: &Path, before: usize, cleaned: &Cleaned, lang: Lang) {
    let t = |vi, en| lang.pick(vi, en);
    if cleaned.removed.is_empty() {
        println!("{}", t("Không có gì để xoá.", "Nothing to remove."));
    } else {
        let removed: Vec<&MetadataBlock> = cleaned.removed.iter().collect();
        println!(
            "{}: {}",
            t("Đã xoá", "Removed"),
            blocks_text(&removed, lang)
        );
    }
    let mut kept = Vec::new();
    if let Some(orientation) = cleaned.kept_orientation {
        kept.push(format!("{} {orientation}", t("hướng xoay", "orientation")));
    }
    if cleaned.kept_icc {
        kept.push(block_label(BlockKind::Icc, lang).to_string());
    }
    if !kept.is_empty() {
        println!("{}: {}", t("Giữ lại", "Kept"), kept.join(", "));
    }
    println!(
        "{} {} ({} → {}; {})",
        t("Đã ghi", "Wrote"),
        output.display(),
        bytes_text(before),
        bytes_text(cleaned.bytes.len()),
        t("điểm ảnh giữ nguyên", "pixels unchanged")
    );
}
