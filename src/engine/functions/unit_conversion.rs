//! Unit conversions: `convert_angle`, `convert_energy`, `convert_force`, `convert_length`,
//! `convert_mass`, `convert_speed`, `convert_temperature` and
//! `convert_volume`.
//!
//! Kusto takes its unit names and factors from the UnitsNet library. Every
//! factor below is copied from UnitsNet's unit definitions
//! (`angularsen/UnitsNet`, `Common/UnitDefinitions/<Quantity>.json`, and the
//! generated `UnitsNet/GeneratedCode/Quantities/Length.g.cs` at commit
//! 0087e0d0dfa28e77172fe0472c0866b7133cf7b8 for the length prefixes).
//! Prefixed units (`Kilonewton`, `Decagram`, ...) apply the SI prefix to the
//! unit's own conversion, as UnitsNet's generator does: `(x * F) * 1e3`.
//! Only the units each docs page lists are accepted, with their exact
//! (case-sensitive) names; any other name gives null.

// The factors are copied digit for digit from UnitsNet, some with more
// digits than an f64 holds; the compiler rounds them as C# does.
#![allow(clippy::excessive_precision, clippy::unreadable_literal)]

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "convert_angle" => |a, c| convert("convert_angle", ANGLE, a, c),
        "convert_energy" => |a, c| convert("convert_energy", ENERGY, a, c),
        "convert_force" => |a, c| convert("convert_force", FORCE, a, c),
        "convert_length" => |a, c| convert("convert_length", LENGTH, a, c),
        "convert_mass" => |a, c| convert("convert_mass", MASS, a, c),
        "convert_speed" => |a, c| convert("convert_speed", SPEED, a, c),
        "convert_temperature" => |a, c| convert("convert_temperature", TEMPERATURE, a, c),
        "convert_volume" => |a, c| convert("convert_volume", VOLUME, a, c),
        _ => return None,
    })
}

/// A unit: its name, and its conversions to and from the quantity's base
/// unit (UnitsNet's `FromUnitToBaseFunc` and `FromBaseToUnitFunc`).
struct Unit {
    name: &'static str,
    to_base: fn(f64) -> f64,
    from_base: fn(f64) -> f64,
}

/// `x * F` to the base unit, `x / F` back.
macro_rules! times {
    ($name:literal, $factor:expr) => {
        Unit { name: $name, to_base: |x| x * $factor, from_base: |x| x / $factor }
    };
}

/// `x / F` to the base unit, `x * F` back.
macro_rules! per {
    ($name:literal, $factor:expr) => {
        Unit { name: $name, to_base: |x| x / $factor, from_base: |x| x * $factor }
    };
}

/// A prefixed unit `prefix × (x * F)`, as UnitsNet generates them.
macro_rules! prefixed {
    ($name:literal, $factor:expr, $prefix:expr) => {
        Unit { name: $name, to_base: |x| (x * $factor) * $prefix, from_base: |x| (x / $factor) / $prefix }
    };
}

/// `value` in unit `from`, converted to unit `to`: null for a null value or
/// a unit not in `units`.
fn convert_value(units: &[Unit], value: f64, from: &str, to: &str) -> Option<f64> {
    let from = units.iter().find(|u| u.name == from)?;
    let to = units.iter().find(|u| u.name == to)?;
    if from.name == to.name {
        return Some(value);
    }
    Some((to.from_base)((from.to_base)(value)))
}

fn convert(name: &str, units: &[Unit], args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args(name, args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let Some(value) = v[0].as_f64() else { return Ok(Value::Null) };
        let (Value::String(from), Value::String(to)) = (&v[1], &v[2]) else { return Ok(Value::Null) };
        Ok(convert_value(units, value, from, to).map_or(Value::Null, Value::Real))
    })
}

/// Energy.json (commit 01464830d9ec88cc7aafb38d0ebea12ca80639ed); base unit
/// Joule. Kusto spells UnitsNet's `HorsePowerHour` as `HorsepowerHour`.
const ENERGY: &[Unit] = &[
    Unit { name: "Joule", to_base: |x| x, from_base: |x| x },
    prefixed!("Millijoule", 1.0, 1e-3),
    prefixed!("Kilojoule", 1.0, 1e3),
    prefixed!("Megajoule", 1.0, 1e6),
    prefixed!("Gigajoule", 1.0, 1e9),
    times!("Calorie", 4.184),
    prefixed!("Kilocalorie", 4.184, 1e3),
    prefixed!("Megacalorie", 4.184, 1e6),
    times!("BritishThermalUnit", 1055.05585262),
    prefixed!("KilobritishThermalUnit", 1055.05585262, 1e3),
    prefixed!("MegabritishThermalUnit", 1055.05585262, 1e6),
    prefixed!("GigabritishThermalUnit", 1055.05585262, 1e9),
    times!("ElectronVolt", 1.602176565e-19),
    prefixed!("KiloelectronVolt", 1.602176565e-19, 1e3),
    prefixed!("MegaelectronVolt", 1.602176565e-19, 1e6),
    prefixed!("GigaelectronVolt", 1.602176565e-19, 1e9),
    prefixed!("TeraelectronVolt", 1.602176565e-19, 1e12),
    times!("FootPound", 1.355817948),
    times!("Erg", 1e-7),
    times!("WattHour", 3600.0),
    prefixed!("KilowattHour", 3600.0, 1e3),
    prefixed!("MegawattHour", 3600.0, 1e6),
    prefixed!("GigawattHour", 3600.0, 1e9),
    prefixed!("TerawattHour", 3600.0, 1e12),
    times!("WattDay", 24.0 * 3600.0),
    prefixed!("KilowattDay", 24.0 * 3600.0, 1e3),
    prefixed!("MegawattDay", 24.0 * 3600.0, 1e6),
    prefixed!("GigawattDay", 24.0 * 3600.0, 1e9),
    prefixed!("TerawattDay", 24.0 * 3600.0, 1e12),
    times!("ThermEc", 1.05505585262e8),
    prefixed!("DecathermEc", 1.05505585262e8, 1e1),
    times!("ThermUs", 1.054804e8),
    prefixed!("DecathermUs", 1.054804e8, 1e1),
    times!("ThermImperial", 1.05505585257348e8),
    prefixed!("DecathermImperial", 1.05505585257348e8, 1e1),
    times!("HorsepowerHour", 2.6845195377e6),
];

/// Angle.json (commit 0ddfd57b6134f5a9cfb4e43ad684a31ca94b3d2e); base unit Degree.
const ANGLE: &[Unit] = &[
    Unit { name: "Degree", to_base: |x| x, from_base: |x| x },
    prefixed!("Microdegree", 1.0, 1e-6),
    prefixed!("Millidegree", 1.0, 1e-3),
    prefixed!("Nanodegree", 1.0, 1e-9),
    Unit {
        name: "Radian",
        to_base: |x| x * 180.0 / std::f64::consts::PI,
        from_base: |x| x / 180.0 * std::f64::consts::PI,
    },
    Unit {
        name: "Centiradian",
        to_base: |x| (x * 180.0 / std::f64::consts::PI) * 1e-2,
        from_base: |x| (x / 180.0 * std::f64::consts::PI) / 1e-2,
    },
    Unit {
        name: "Deciradian",
        to_base: |x| (x * 180.0 / std::f64::consts::PI) * 1e-1,
        from_base: |x| (x / 180.0 * std::f64::consts::PI) / 1e-1,
    },
    Unit {
        name: "Microradian",
        to_base: |x| (x * 180.0 / std::f64::consts::PI) * 1e-6,
        from_base: |x| (x / 180.0 * std::f64::consts::PI) / 1e-6,
    },
    Unit {
        name: "Milliradian",
        to_base: |x| (x * 180.0 / std::f64::consts::PI) * 1e-3,
        from_base: |x| (x / 180.0 * std::f64::consts::PI) / 1e-3,
    },
    Unit {
        name: "Nanoradian",
        to_base: |x| (x * 180.0 / std::f64::consts::PI) * 1e-9,
        from_base: |x| (x / 180.0 * std::f64::consts::PI) / 1e-9,
    },
    per!("Arcminute", 60.0),
    per!("Arcsecond", 3600.0),
    times!("Gradian", 0.9),
    Unit { name: "NatoMil", to_base: |x| x * 9.0 / 160.0, from_base: |x| x * 160.0 / 9.0 },
    times!("Revolution", 360.0),
    Unit {
        name: "Tilt",
        to_base: |x| x.asin() * 180.0 / std::f64::consts::PI,
        from_base: |x| (x / 180.0 * std::f64::consts::PI).sin(),
    },
];

/// Force.json (commit 0ddfd57b6134f5a9cfb4e43ad684a31ca94b3d2e); base unit Newton.
const FORCE: &[Unit] = &[
    Unit { name: "Newton", to_base: |x| x, from_base: |x| x },
    prefixed!("Micronewton", 1.0, 1e-6),
    prefixed!("Millinewton", 1.0, 1e-3),
    prefixed!("Decanewton", 1.0, 1e1),
    prefixed!("Kilonewton", 1.0, 1e3),
    prefixed!("Meganewton", 1.0, 1e6),
    per!("Dyn", 1e5),
    times!("KilogramForce", 9.80665002864),
    times!("TonneForce", 9.80665002864e3),
    times!("KiloPond", 9.80665002864),
    times!("Poundal", 0.13825502798973041652092282466083),
    times!("PoundForce", 4.4482216152605095551842641431421),
    prefixed!("KilopoundForce", 4.4482216152605095551842641431421, 1e3),
    times!("OunceForce", 2.780138509537812e-1),
    times!("ShortTonForce", 8.896443230521e3),
];

/// Length.g.cs (UnitsNet 4.x); base unit Meter. Angstrom (1e-10) and
/// DataMile (1828.8) are from the same definitions as generated into
/// `haimkastner/unitsnet-py` (`unitsnet_py/units/length.py`).
const LENGTH: &[Unit] = &[
    Unit { name: "Meter", to_base: |x| x, from_base: |x| x },
    prefixed!("Nanometer", 1.0, 1e-9),
    prefixed!("Micrometer", 1.0, 1e-6),
    prefixed!("Millimeter", 1.0, 1e-3),
    prefixed!("Centimeter", 1.0, 1e-2),
    prefixed!("Decimeter", 1.0, 1e-1),
    prefixed!("Decameter", 1.0, 1e1),
    prefixed!("Hectometer", 1.0, 1e2),
    prefixed!("Kilometer", 1.0, 1e3),
    times!("Angstrom", 1e-10),
    times!("AstronomicalUnit", 1.4959787070e11),
    times!("Chain", 20.1168),
    times!("DataMile", 1828.8),
    per!("DtpPica", 236.220472441),
    Unit { name: "DtpPoint", to_base: |x| (x / 72.0) * 2.54e-2, from_base: |x| (x / 2.54e-2) * 72.0 },
    times!("Fathom", 1.8288),
    times!("Foot", 0.3048),
    times!("Hand", 1.016e-1),
    times!("Inch", 2.54e-2),
    times!("LightYear", 9.46073047258e15),
    prefixed!("KilolightYear", 9.46073047258e15, 1e3),
    prefixed!("MegalightYear", 9.46073047258e15, 1e6),
    times!("Parsec", 3.08567758128e16),
    prefixed!("Kiloparsec", 3.08567758128e16, 1e3),
    prefixed!("Megaparsec", 3.08567758128e16, 1e6),
    times!("Microinch", 2.54e-8),
    times!("Mil", 2.54e-5),
    times!("Mile", 1609.34),
    times!("NauticalMile", 1852.0),
    per!("PrinterPica", 237.106301584),
    Unit { name: "PrinterPoint", to_base: |x| (x / 72.27) * 2.54e-2, from_base: |x| (x / 2.54e-2) * 72.27 },
    times!("Shackle", 27.432),
    times!("SolarRadius", 6.95510000E+08),
    per!("Twip", 56692.913385826),
    Unit { name: "UsSurveyFoot", to_base: |x| x * 1200.0 / 3937.0, from_base: |x| x * 3937.0 / 1200.0 },
    times!("Yard", 0.9144),
];

/// Mass.json (commit 0b4086def28fbb27888c86eac974aaf6e52bb146); base unit Kilogram.
const MASS: &[Unit] = &[
    per!("Gram", 1e3),
    Unit { name: "Nanogram", to_base: |x| (x / 1e3) * 1e-9, from_base: |x| (x * 1e3) / 1e-9 },
    Unit { name: "Microgram", to_base: |x| (x / 1e3) * 1e-6, from_base: |x| (x * 1e3) / 1e-6 },
    Unit { name: "Milligram", to_base: |x| (x / 1e3) * 1e-3, from_base: |x| (x * 1e3) / 1e-3 },
    Unit { name: "Centigram", to_base: |x| (x / 1e3) * 1e-2, from_base: |x| (x * 1e3) / 1e-2 },
    Unit { name: "Decigram", to_base: |x| (x / 1e3) * 1e-1, from_base: |x| (x * 1e3) / 1e-1 },
    Unit { name: "Decagram", to_base: |x| (x / 1e3) * 1e1, from_base: |x| (x * 1e3) / 1e1 },
    Unit { name: "Hectogram", to_base: |x| (x / 1e3) * 1e2, from_base: |x| (x * 1e3) / 1e2 },
    Unit { name: "Kilogram", to_base: |x| (x / 1e3) * 1e3, from_base: |x| (x * 1e3) / 1e3 },
    times!("Tonne", 1e3),
    prefixed!("Kilotonne", 1e3, 1e3),
    prefixed!("Megatonne", 1e3, 1e6),
    times!("ShortTon", 9.0718474e2),
    times!("LongTon", 1.0160469088e3),
    times!("Pound", 0.45359237),
    prefixed!("Kilopound", 0.45359237, 1e3),
    prefixed!("Megapound", 0.45359237, 1e6),
    times!("Ounce", 0.028349523125),
    per!("Slug", 6.852176556196105e-2),
    per!("Stone", 0.1574731728702698),
    per!("ShortHundredweight", 0.022046226218487758),
    per!("LongHundredweight", 0.01968413055222121),
    per!("Grain", 15432.358352941431),
    times!("SolarMass", 1.98947e30),
    times!("EarthMass", 5.9722E+24),
];

/// Speed.json (commit 0ddfd57b6134f5a9cfb4e43ad684a31ca94b3d2e); base unit MeterPerSecond. Prefixed units apply the prefix to
/// the unit's own conversion, as UnitsNet generates them.
const SPEED: &[Unit] = &[
    Unit { name: "MeterPerSecond", to_base: |x| x, from_base: |x| x },
    prefixed!("NanometerPerSecond", 1.0, 1e-9),
    prefixed!("MicrometerPerSecond", 1.0, 1e-6),
    prefixed!("MillimeterPerSecond", 1.0, 1e-3),
    prefixed!("CentimeterPerSecond", 1.0, 1e-2),
    prefixed!("DecimeterPerSecond", 1.0, 1e-1),
    prefixed!("KilometerPerSecond", 1.0, 1e3),
    per!("MeterPerMinute", 60.0),
    Unit { name: "NanometerPerMinute", to_base: |x| (x / 60.0) * 1e-9, from_base: |x| (x * 60.0) / 1e-9 },
    Unit { name: "MicrometerPerMinute", to_base: |x| (x / 60.0) * 1e-6, from_base: |x| (x * 60.0) / 1e-6 },
    Unit { name: "MillimeterPerMinute", to_base: |x| (x / 60.0) * 1e-3, from_base: |x| (x * 60.0) / 1e-3 },
    Unit { name: "CentimeterPerMinute", to_base: |x| (x / 60.0) * 1e-2, from_base: |x| (x * 60.0) / 1e-2 },
    Unit { name: "DecimeterPerMinute", to_base: |x| (x / 60.0) * 1e-1, from_base: |x| (x * 60.0) / 1e-1 },
    Unit { name: "KilometerPerMinute", to_base: |x| (x / 60.0) * 1e3, from_base: |x| (x * 60.0) / 1e3 },
    per!("MeterPerHour", 3600.0),
    Unit { name: "MillimeterPerHour", to_base: |x| (x / 3600.0) * 1e-3, from_base: |x| (x * 3600.0) / 1e-3 },
    Unit { name: "CentimeterPerHour", to_base: |x| (x / 3600.0) * 1e-2, from_base: |x| (x * 3600.0) / 1e-2 },
    Unit { name: "KilometerPerHour", to_base: |x| (x / 3600.0) * 1e3, from_base: |x| (x * 3600.0) / 1e3 },
    times!("FootPerSecond", 0.3048),
    Unit { name: "FootPerMinute", to_base: |x| x * 0.3048 / 60.0, from_base: |x| x / 0.3048 * 60.0 },
    Unit { name: "FootPerHour", to_base: |x| x * 0.3048 / 3600.0, from_base: |x| x / 0.3048 * 3600.0 },
    Unit { name: "UsSurveyFootPerSecond", to_base: |x| x * 1200.0 / 3937.0, from_base: |x| x * 3937.0 / 1200.0 },
    Unit {
        name: "UsSurveyFootPerMinute",
        to_base: |x| (x * 1200.0 / 3937.0) / 60.0,
        from_base: |x| (x * 3937.0 / 1200.0) * 60.0,
    },
    Unit {
        name: "UsSurveyFootPerHour",
        to_base: |x| (x * 1200.0 / 3937.0) / 3600.0,
        from_base: |x| (x * 3937.0 / 1200.0) * 3600.0,
    },
    times!("InchPerSecond", 2.54e-2),
    Unit { name: "InchPerMinute", to_base: |x| (x / 60.0) * 2.54e-2, from_base: |x| (x / 2.54e-2) * 60.0 },
    Unit { name: "InchPerHour", to_base: |x| (x / 3600.0) * 2.54e-2, from_base: |x| (x / 2.54e-2) * 3600.0 },
    times!("YardPerSecond", 0.9144),
    Unit { name: "YardPerMinute", to_base: |x| x * 0.9144 / 60.0, from_base: |x| x / 0.9144 * 60.0 },
    Unit { name: "YardPerHour", to_base: |x| x * 0.9144 / 3600.0, from_base: |x| x / 0.9144 * 3600.0 },
    times!("Knot", 0.514444),
    times!("MilePerHour", 0.44704),
];

/// Temperature.json (commit 0ddfd57b6134f5a9cfb4e43ad684a31ca94b3d2e); base unit Kelvin. Not linear: each unit has its own
/// offset.
const TEMPERATURE: &[Unit] = &[
    Unit { name: "Kelvin", to_base: |x| x, from_base: |x| x },
    Unit { name: "DegreeCelsius", to_base: |x| x + 273.15, from_base: |x| x - 273.15 },
    Unit { name: "MillidegreeCelsius", to_base: |x| x / 1000.0 + 273.15, from_base: |x| (x - 273.15) * 1000.0 },
    Unit { name: "DegreeDelisle", to_base: |x| x * -2.0 / 3.0 + 373.15, from_base: |x| (x - 373.15) * -3.0 / 2.0 },
    Unit {
        name: "DegreeFahrenheit",
        to_base: |x| x * 5.0 / 9.0 + 459.67 * 5.0 / 9.0,
        from_base: |x| (x - 459.67 * 5.0 / 9.0) * 9.0 / 5.0,
    },
    Unit { name: "DegreeNewton", to_base: |x| x * 100.0 / 33.0 + 273.15, from_base: |x| (x - 273.15) * 33.0 / 100.0 },
    Unit { name: "DegreeRankine", to_base: |x| x * 5.0 / 9.0, from_base: |x| x * 9.0 / 5.0 },
    Unit { name: "DegreeReaumur", to_base: |x| x * 5.0 / 4.0 + 273.15, from_base: |x| (x - 273.15) * 4.0 / 5.0 },
    Unit {
        name: "DegreeRoemer",
        to_base: |x| x * 40.0 / 21.0 + 273.15 - 7.5 * 40.0 / 21.0,
        from_base: |x| (x - (273.15 - 7.5 * 40.0 / 21.0)) * 21.0 / 40.0,
    },
    times!("SolarTemperature", 5778.0),
];

/// Volume.json (commit 050dc490836537c2fd09266cad149ae56b080792); base unit CubicMeter. `BoardFoot` is listed by the docs but
/// has no definition in the UnitsNet version available to us, so it is left
/// out (null).
const VOLUME: &[Unit] = &[
    Unit { name: "CubicMeter", to_base: |x| x, from_base: |x| x },
    prefixed!("HectocubicMeter", 1.0, 1e2),
    prefixed!("KilocubicMeter", 1.0, 1e3),
    per!("Liter", 1e3),
    Unit { name: "Microliter", to_base: |x| (x / 1e3) * 1e-6, from_base: |x| (x * 1e3) / 1e-6 },
    Unit { name: "Milliliter", to_base: |x| (x / 1e3) * 1e-3, from_base: |x| (x * 1e3) / 1e-3 },
    Unit { name: "Centiliter", to_base: |x| (x / 1e3) * 1e-2, from_base: |x| (x * 1e3) / 1e-2 },
    Unit { name: "Deciliter", to_base: |x| (x / 1e3) * 1e-1, from_base: |x| (x * 1e3) / 1e-1 },
    Unit { name: "Decaliter", to_base: |x| (x / 1e3) * 1e1, from_base: |x| (x * 1e3) / 1e1 },
    Unit { name: "Hectoliter", to_base: |x| (x / 1e3) * 1e2, from_base: |x| (x * 1e3) / 1e2 },
    Unit { name: "Kiloliter", to_base: |x| (x / 1e3) * 1e3, from_base: |x| (x * 1e3) / 1e3 },
    Unit { name: "Megaliter", to_base: |x| (x / 1e3) * 1e6, from_base: |x| (x * 1e3) / 1e6 },
    times!("CubicKilometer", 1e9),
    times!("CubicHectometer", 1e6),
    per!("CubicDecimeter", 1e3),
    per!("CubicCentimeter", 1e6),
    per!("CubicMillimeter", 1e9),
    per!("CubicMicrometer", 1e18),
    times!("CubicMile", 4.16818182544058e9),
    times!("CubicYard", 0.764554858),
    times!("CubicFoot", 0.0283168),
    prefixed!("HectocubicFoot", 0.0283168, 1e2),
    prefixed!("KilocubicFoot", 0.0283168, 1e3),
    prefixed!("MegacubicFoot", 0.0283168, 1e6),
    Unit { name: "CubicInch", to_base: |x| x * 1.6387 * 1e-5, from_base: |x| x / (1.6387 * 1e-5) },
    times!("ImperialGallon", 0.00454609000000181429905810072407),
    prefixed!("KiloimperialGallon", 0.00454609000000181429905810072407, 1e3),
    prefixed!("MegaimperialGallon", 0.00454609000000181429905810072407, 1e6),
    times!("ImperialOunce", 2.8413062499962901241875439064617e-5),
    times!("UsGallon", 0.00378541),
    prefixed!("DeciusGallon", 0.00378541, 1e-1),
    prefixed!("DecausGallon", 0.00378541, 1e1),
    prefixed!("HectousGallon", 0.00378541, 1e2),
    prefixed!("KilousGallon", 0.00378541, 1e3),
    prefixed!("MegausGallon", 0.00378541, 1e6),
    times!("UsOunce", 2.957352956253760505068307980135e-5),
    times!("UsTablespoon", 1.478676478125e-5),
    times!("AuTablespoon", 2e-5),
    times!("UkTablespoon", 1.5e-5),
    times!("MetricTeaspoon", 0.5e-5),
    times!("UsTeaspoon", 4.92892159375e-6),
    times!("MetricCup", 0.00025),
    times!("UsCustomaryCup", 0.0002365882365),
    times!("UsLegalCup", 0.00024),
    times!("OilBarrel", 0.158987294928),
    times!("UsBeerBarrel", 0.1173477658),
    times!("ImperialBeerBarrel", 0.16365924),
    times!("UsQuart", 9.46352946e-4),
    times!("UsPint", 4.73176473e-4),
    per!("AcreFoot", 0.000810714),
    times!("ImperialPint", 5.6826125e-4),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Value {
        let datums: Vec<Datum> =
            args.iter().map(|v| Datum::Scalar(v.clone(), v.scalar_type().unwrap_or(ScalarType::Real))).collect();
        lookup(name).expect("a kernel")(&datums, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0)
    }

    fn real(name: &str, value: f64, from: &str, to: &str) -> f64 {
        match call(name, &[Value::Real(value), Value::str(from), Value::str(to)]) {
            Value::Real(x) => x,
            other => panic!("expected a real, got {other:?}"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn docs_examples() {
        assert!(close(real("convert_length", 1.2, "Meter", "Foot"), 3.93700787401575));
        assert!(close(real("convert_angle", 1.2, "Degree", "Arcminute"), 72.0));
        assert!(close(real("convert_force", 1.2, "Newton", "Decanewton"), 0.12));
        assert!(close(real("convert_mass", 1.2, "Kilogram", "Pound"), 2.64554714621853));
        assert!(close(real("convert_temperature", 1.2, "Kelvin", "DegreeCelsius"), -271.95));
        assert!(close(real("convert_volume", 1.2, "CubicMeter", "AcreFoot"), 0.0009728568));
        assert!(close(real("convert_speed", 1.2, "MeterPerSecond", "CentimeterPerHour"), 432000.0));
        assert!(close(real("convert_speed", 36.0, "KilometerPerHour", "MeterPerSecond"), 10.0));
        assert!(close(real("convert_energy", 1.2, "Joule", "BritishThermalUnit"), 1.2 / 1055.05585262));
        assert!(close(real("convert_energy", 1.0, "KilowattHour", "Megajoule"), 3.6));
        assert!(close(real("convert_energy", 10.0, "DecathermUs", "ThermUs"), 100.0));
    }

    #[test]
    fn round_trips_and_non_linear_units() {
        assert!(close(real("convert_temperature", 212.0, "DegreeFahrenheit", "DegreeCelsius"), 100.0));
        assert!(close(real("convert_angle", 0.5, "Tilt", "Degree"), 30.0));
        assert!(close(real("convert_length", 1.0, "Kilometer", "Meter"), 1000.0));
        assert!(close(real("convert_mass", 1.0, "Decagram", "Gram"), 10.0));
        assert_eq!(real("convert_length", 5.0, "Mile", "Mile"), 5.0);
    }

    #[test]
    fn bad_input_gives_null() {
        let length = |args: &[Value]| call("convert_length", args);
        assert_eq!(length(&[Value::Null, Value::str("Meter"), Value::str("Foot")]), Value::Null);
        assert_eq!(length(&[Value::Real(1.0), Value::str("Parsnip"), Value::str("Foot")]), Value::Null);
        assert_eq!(length(&[Value::Real(1.0), Value::str(""), Value::str("Foot")]), Value::Null);
        assert_eq!(length(&[Value::Real(1.0), Value::str("meter"), Value::str("Foot")]), Value::Null);
        assert_eq!(length(&[Value::Real(1.0), Value::Null, Value::str("Foot")]), Value::Null);
        // A unit of another quantity is invalid here.
        assert_eq!(length(&[Value::Real(1.0), Value::str("Meter"), Value::str("Kelvin")]), Value::Null);
        assert_eq!(
            call("convert_volume", &[Value::Real(1.0), Value::str("BoardFoot"), Value::str("Liter")]),
            Value::Null
        );
    }
}
