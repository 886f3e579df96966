//! `gzip_compress_to_base64_string`, `zlib_compress_to_base64_string` and
//! their `*_decompress_from_base64_string` inverses.
//!
//! Compression writes stored (uncompressed) deflate blocks, with the gzip
//! header fields Kusto writes (no timestamp, OS "unknown"): that is the
//! byte-exact output the documentation shows for both functions. Every
//! gzip or zlib stream decompresses, whatever its blocks.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::{GzDecoder, ZlibDecoder};
use flate2::write::{DeflateEncoder, ZlibEncoder};

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::encoding::{decode_base64, encode_base64};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

/// The largest text a decompression may produce: a small compressed value
/// can expand enormously, and one cell must not exhaust memory.
const MAX_DECOMPRESSED_BYTES: u64 = 64 << 20;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "gzip_compress_to_base64_string" => gzip_compress,
        "gzip_decompress_from_base64_string" => gzip_decompress,
        "zlib_compress_to_base64_string" => zlib_compress,
        "zlib_decompress_from_base64_string" => zlib_decompress,
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum Format {
    Gzip,
    Zlib,
}

fn gzip_compress(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    compress_kernel("gzip_compress_to_base64_string", Format::Gzip, args, ctx)
}

fn zlib_compress(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    compress_kernel("zlib_compress_to_base64_string", Format::Zlib, args, ctx)
}

fn gzip_decompress(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    decompress_kernel("gzip_decompress_from_base64_string", Format::Gzip, args, ctx)
}

fn zlib_decompress(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    decompress_kernel("zlib_decompress_from_base64_string", Format::Zlib, args, ctx)
}

fn compress_kernel(name: &str, format: Format, args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let bytes = compress(format, v[0].to_kql_string().as_bytes())
            .map_err(|e| ExecError::runtime(format!("`{name}` failed: {e}")))?;
        Ok(Value::str(&encode_base64(&bytes)))
    })
}

fn decompress_kernel(name: &str, format: Format, args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        // Text that is not base64, not a stream of the format, or not UTF-8
        // gives the empty result, as documented.
        let Some(bytes) = decode_base64(&v[0].to_kql_string()) else { return Ok(Value::str("")) };
        match decompress(format, &bytes) {
            Decompressed::Text(text) => Ok(Value::str(&text)),
            Decompressed::Invalid => Ok(Value::str("")),
            Decompressed::TooLarge => Err(ExecError::runtime(format!(
                "`{name}` would produce more than {} MiB",
                MAX_DECOMPRESSED_BYTES >> 20
            ))
            .with_help("the value is probably not meant to be decompressed whole")),
        }
    })
}

fn compress(format: Format, input: &[u8]) -> std::io::Result<Vec<u8>> {
    match format {
        Format::Zlib => {
            let mut encoder = ZlibEncoder::new(Vec::new(), Compression::none());
            encoder.write_all(input)?;
            encoder.finish()
        }
        Format::Gzip => {
            // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown).
            let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
            let mut encoder = DeflateEncoder::new(out, Compression::none());
            encoder.write_all(input)?;
            out = encoder.finish()?;
            let mut crc = flate2::Crc::new();
            crc.update(input);
            out.extend_from_slice(&crc.sum().to_le_bytes());
            out.extend_from_slice(&(input.len() as u32).to_le_bytes());
            Ok(out)
        }
    }
}

enum Decompressed {
    Text(String),
    Invalid,
    TooLarge,
}

fn decompress(format: Format, input: &[u8]) -> Decompressed {
    let reader: Box<dyn Read + '_> = match format {
        Format::Gzip => Box::new(GzDecoder::new(input)),
        Format::Zlib => Box::new(ZlibDecoder::new(input)),
    };
    let mut out = Vec::new();
    if reader.take(MAX_DECOMPRESSED_BYTES + 1).read_to_end(&mut out).is_err() {
        return Decompressed::Invalid;
    }
    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Decompressed::TooLarge;
    }
    String::from_utf8(out).map_or(Decompressed::Invalid, Decompressed::Text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::test_support::call_constant;

    #[test]
    fn compression_matches_the_documented_bytes() {
        let text = Value::str("1234567890qwertyuiop");
        assert_eq!(
            call_constant(gzip_compress, std::slice::from_ref(&text)),
            Value::str("H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA==")
        );
        assert_eq!(
            call_constant(zlib_compress, std::slice::from_ref(&text)),
            Value::str("eAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw==")
        );
    }

    #[test]
    fn decompression_reads_any_stream_and_rejects_garbage() {
        let text = "1234567890qwertyuiop";
        // Python's gzip.compress (fixed Huffman blocks, not stored ones).
        let compressed = Value::str("H4sIAAAAAAACAzM0MjYxNTO3sDQoLE8tKqkszcwvAAA6m7f2FAAAAA==");
        assert_eq!(call_constant(gzip_decompress, &[compressed]), Value::str(text));
        let round_trip = call_constant(zlib_compress, &[Value::str("añ€😀")]);
        assert_eq!(call_constant(zlib_decompress, &[round_trip]), Value::str("añ€😀"));
        assert_eq!(call_constant(gzip_decompress, &[Value::str("x0x0x0")]), Value::str(""));
        assert_eq!(call_constant(zlib_decompress, &[Value::str("H4sIAAAAAAAA/wEUAOv/")]), Value::str(""));
    }

    #[test]
    fn a_decompression_bomb_is_an_error() {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&vec![b'a'; (MAX_DECOMPRESSED_BYTES + 1) as usize]).expect("in memory");
        let bomb = encode_base64(&encoder.finish().expect("in memory"));
        let args = [Datum::Scalar(Value::str(&bomb), ScalarType::String)];
        assert!(zlib_decompress(&args, &EvalCtx { rows: 1, now: 0 }).is_err());
    }
}
