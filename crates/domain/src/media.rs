//! What a file's bytes are, whatever its name or the sender claims.

/// The raster image type of these bytes (PNG, JPEG, GIF, WebP), else `None`. SVG is not one: it
/// can carry script. (Four signatures: a crate for this would be more than the check.)
pub fn raster_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::raster_type;

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(raster_type(b"\x89PNG\r\n"), Some("image/png"));
        assert_eq!(raster_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(raster_type(b"GIF89a"), Some("image/gif"));
        assert_eq!(raster_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(raster_type(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
    }
}
