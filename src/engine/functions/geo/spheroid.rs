//! Geodesics on the WGS-84 ellipsoid, for the `use_spheroid` = true option
//! of `geo_distance_2points` and `geo_line_locate_point`: Karney's inverse
//! and direct problems (the `geographiclib-rs` crate, which converges for
//! every pair of points, nearly antipodal ones included, where Vincenty's
//! iteration does not), and the point of a geodesic nearest another point.
//!
//! Coordinates here are `(longitude, latitude)` in degrees, as in GeoJSON;
//! GeographicLib takes latitude first.

use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};

use crate::engine::functions::geo::sphere::{Vec3, closest_on_arc};
use crate::engine::value::Value;

/// The geodesic distance in meters between two valid coordinates on the
/// WGS-84 ellipsoid (a = 6378137 m, f = 1/298.257223563).
pub fn distance_meters(p1: (f64, f64), p2: (f64, f64)) -> f64 {
    InverseGeodesic::<f64>::inverse(&Geodesic::wgs84(), p1.1, p1.0, p2.1, p2.0)
}

/// The `use_spheroid` argument of a row: `Some(false)` when absent, the bool
/// itself, a number as a bool (non-zero is true; the catalog accepts a
/// number there, as Kusto converts it to bool), and `None` for null or any
/// other value. The pages are silent on a null `use_spheroid`; it is not
/// "unspecified", so it gives a null result, as a null optional number does
/// in the other geo functions (`geo::optional_number`).
pub fn use_spheroid(args: &[Value], index: usize) -> Option<bool> {
    match args.get(index) {
        None => Some(false),
        Some(Value::Bool(flag)) => Some(*flag),
        Some(value) => value.as_f64().filter(|n| !n.is_nan()).map(|n| n != 0.0),
    }
}

/// The fraction of the length of `line` (ellipsoidal geodesic edges) from
/// its start to its point nearest `point`, as `geo_line_locate_point` with
/// `use_spheroid` = true defines it; `None` for a line of zero length.
pub fn locate_point(line: &[(f64, f64)], point: (f64, f64)) -> Option<f64> {
    let geodesic = Geodesic::wgs84();
    let target = Vec3::from_degrees(point.0, point.1);
    let (mut best_distance, mut best_at, mut walked) = (f64::INFINITY, 0.0, 0.0);
    for pair in line.windows(2) {
        let edge = Edge::new(&geodesic, pair[0], pair[1]);
        let start = edge.spherical_start(target);
        let (along, distance) = edge.nearest(&geodesic, point, start);
        if distance < best_distance {
            best_distance = distance;
            best_at = walked + along;
        }
        walked += edge.length;
    }
    (walked > 0.0).then(|| (best_at / walked).clamp(0.0, 1.0))
}

/// One edge of a line: the geodesic from `start` to `end`.
struct Edge {
    start: (f64, f64),
    end: (f64, f64),
    /// The azimuth at `start`, in degrees clockwise from north.
    azimuth: f64,
    /// The length in meters.
    length: f64,
}

/// The radius of the sphere used to turn a step along the edge into an
/// angle in the nearest-point iteration; it only sets the step size, not
/// the fixed point the iteration converges to.
const STEP_RADIUS_METERS: f64 = 6_371_008.8;
/// Steps of the nearest-point iteration at most; it usually converges in
/// three or four.
const MAX_STEPS: usize = 50;
/// A step shorter than this (meters) ends the iteration.
const STEP_TOLERANCE_METERS: f64 = 1e-9;

impl Edge {
    fn new(geodesic: &Geodesic, start: (f64, f64), end: (f64, f64)) -> Edge {
        let (length, azimuth, _, _): (f64, f64, f64, f64) = geodesic.inverse(start.1, start.0, end.1, end.0);
        Edge { start, end, azimuth, length }
    }

    /// The distance along the edge of the nearest point on the sphere's
    /// great-circle arc between the same ends, scaled to this edge: the
    /// first guess of the iteration.
    fn spherical_start(&self, target: Vec3) -> f64 {
        let a = Vec3::from_degrees(self.start.0, self.start.1);
        let b = Vec3::from_degrees(self.end.0, self.end.1);
        let arc = a.angle(b);
        if arc == 0.0 {
            return 0.0;
        }
        a.angle(closest_on_arc(target, a, b)) / arc * self.length
    }

    /// The distance along the edge of its point nearest `point`, and that
    /// point's distance to `point`. The iteration of Baselga and
    /// Martínez-Llario (2018): from the current foot `x`, solve the inverse
    /// problem to `point`, and move along the edge by the leg of the right
    /// spherical triangle whose hypotenuse is that geodesic and whose angle
    /// at `x` is the difference of the two azimuths; at the fixed point the
    /// geodesic to `point` meets the edge at a right angle. The result is
    /// kept inside the edge and compared with both ends, so a point whose
    /// nearest place is an end (or an edge whose distance has more than one
    /// local minimum) is still answered with the nearest of them.
    fn nearest(&self, geodesic: &Geodesic, point: (f64, f64), start: f64) -> (f64, f64) {
        let distance_at = |along: f64| -> (f64, f64, f64) {
            let (latitude, longitude, edge_azimuth): (f64, f64, f64) =
                geodesic.direct(self.start.1, self.start.0, self.azimuth, along);
            let (distance, azimuth, _, _): (f64, f64, f64, f64) =
                geodesic.inverse(latitude, longitude, point.1, point.0);
            (distance, azimuth, edge_azimuth)
        };
        // `max`/`min`, not `clamp`, which panics on a NaN bound.
        let mut along = start.max(0.0).min(self.length);
        if self.length > 0.0 {
            for _ in 0..MAX_STEPS {
                let (distance, azimuth, edge_azimuth) = distance_at(along);
                if distance == 0.0 {
                    break;
                }
                let turn = (azimuth - edge_azimuth).to_radians();
                let sigma = distance / STEP_RADIUS_METERS;
                let step = STEP_RADIUS_METERS * (sigma.sin() * turn.cos()).atan2(sigma.cos());
                if !step.is_finite() {
                    break;
                }
                let next = (along + step).max(0.0).min(self.length);
                let moved = (next - along).abs();
                along = next;
                if moved < STEP_TOLERANCE_METERS {
                    break;
                }
            }
        }
        let inside = (along, distance_at(along).0);
        let first = (0.0, distance_meters(self.start, point));
        let last = (self.length, distance_meters(self.end, point));
        [first, last].into_iter().fold(inside, |best, candidate| if candidate.1 < best.1 { candidate } else { best })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Within a millimetre.
    fn assert_meters(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-3, "{actual} != {expected}");
    }

    #[test]
    fn distances_match_geographiclibs_documented_examples() {
        // GeographicLib's JavaScript example: Wellington, NZ (41.32S,
        // 174.81E) to Salamanca, Spain (40.96N, 5.50W), "19959679.267 m",
        // a nearly antipodal pair.
        assert_meters(distance_meters((174.81, -41.32), (-5.50, 40.96)), 19_959_679.267);
        // The geographiclib crate's example (the C library): Berkeley to
        // Port Moresby, 10700471.955233702 m.
        assert_meters(distance_meters((-122.23558, 37.87622), (147.1597, -9.4047)), 10_700_471.955_233_702);
        // Databricks' st_distancespheroid example on WGS-84: POINT(2 3) to
        // POINT(6 7), 626380.599 m after rounding to 3 decimals.
        assert_meters(distance_meters((2.0, 3.0), (6.0, 7.0)), 626_380.599);
    }

    #[test]
    fn antipodes_and_poles_are_half_a_meridian_apart() {
        // The quarter meridian of WGS-84 is 10001965.7293 m; antipodes on
        // the equator are joined by the meridian through the poles.
        let half_meridian = 2.0 * 10_001_965.729_3;
        assert_meters(distance_meters((0.0, 0.0), (180.0, 0.0)), half_meridian);
        assert_meters(distance_meters((0.0, 90.0), (45.0, -90.0)), half_meridian);
        assert_eq!(distance_meters((10.0, 90.0), (-170.0, 90.0)), 0.0);
        assert_eq!(distance_meters((1.5, 2.5), (1.5, 2.5)), 0.0);
    }

    #[test]
    fn a_degree_of_the_equator_is_a_times_pi_over_180() {
        assert_meters(distance_meters((0.0, 0.0), (1.0, 0.0)), 6_378_137.0 * std::f64::consts::PI / 180.0);
    }

    #[test]
    fn a_point_on_the_line_is_located_at_its_distance_along_it() {
        let geodesic = Geodesic::wgs84();
        let line = [(-73.8, 40.6), (-0.5, 51.6)];
        let edge = Edge::new(&geodesic, line[0], line[1]);
        let (latitude, longitude, _): (f64, f64, f64) = geodesic.direct(40.6, -73.8, edge.azimuth, 1_000_000.0);
        let fraction = locate_point(&line, (longitude, latitude)).expect("a fraction");
        assert!((fraction - 1_000_000.0 / edge.length).abs() < 1e-12, "{fraction}");
    }

    #[test]
    fn a_point_off_the_line_is_located_at_the_foot_of_its_perpendicular() {
        // Walk 2000 km along JFK → LHR, then 300 km at a right angle: the
        // foot of that perpendicular geodesic is the nearest point.
        let geodesic = Geodesic::wgs84();
        let line = [(-73.8, 40.6), (-30.0, 50.0), (-0.5, 51.6)];
        let first = Edge::new(&geodesic, line[0], line[1]);
        let second = Edge::new(&geodesic, line[1], line[2]);
        let (foot_lat, foot_lon, heading): (f64, f64, f64) = geodesic.direct(40.6, -73.8, first.azimuth, 2_000_000.0);
        let (latitude, longitude, _): (f64, f64, f64) = geodesic.direct(foot_lat, foot_lon, heading - 90.0, 300_000.0);
        let fraction = locate_point(&line, (longitude, latitude)).expect("a fraction");
        let expected = 2_000_000.0 / (first.length + second.length);
        assert!((fraction - expected).abs() < 1e-9, "{fraction} != {expected}");
        // The sphere's answer differs in the fourth decimal: the test sees the ellipsoid.
        let on_sphere = {
            let target = Vec3::from_degrees(longitude, latitude);
            let a = Vec3::from_degrees(line[0].0, line[0].1);
            let b = Vec3::from_degrees(line[1].0, line[1].1);
            let c = Vec3::from_degrees(line[2].0, line[2].1);
            a.angle(closest_on_arc(target, a, b)) / (a.angle(b) + b.angle(c))
        };
        assert!((on_sphere - expected).abs() > 1e-6, "{on_sphere}");
    }

    /// The point a distance `along` the line, walking its edges.
    fn point_along(geodesic: &Geodesic, line: &[(f64, f64)], mut along: f64) -> (f64, f64) {
        for pair in line.windows(2) {
            let edge = Edge::new(geodesic, pair[0], pair[1]);
            if along <= edge.length {
                let (latitude, longitude, _): (f64, f64, f64) =
                    geodesic.direct(pair[0].1, pair[0].0, edge.azimuth, along);
                return (longitude, latitude);
            }
            along -= edge.length;
        }
        line[line.len() - 1]
    }

    #[test]
    fn the_located_point_is_no_farther_than_any_sampled_point_of_the_line() {
        let geodesic = Geodesic::wgs84();
        let lines: [&[(f64, f64)]; 4] = [
            &[(0.0, 0.0), (10.0, 0.0)],
            &[(-10.0, 60.0), (100.0, 70.0), (170.0, -20.0)],
            &[(0.0, -89.0), (0.0, 89.0)],
            &[(179.0, 10.0), (-179.0, 12.0), (-170.0, -5.0)],
        ];
        for line in lines {
            let total: f64 = line.windows(2).map(|pair| Edge::new(&geodesic, pair[0], pair[1]).length).sum();
            for longitude in (-180..=180).step_by(45) {
                for latitude in (-90..=90).step_by(30) {
                    let point = (f64::from(longitude), f64::from(latitude));
                    let fraction = locate_point(line, point).expect("a fraction");
                    assert!((0.0..=1.0).contains(&fraction), "{line:?} {point:?} {fraction}");
                    let found = distance_meters(point_along(&geodesic, line, fraction * total), point);
                    let sampled = (0..=400)
                        .map(|k| distance_meters(point_along(&geodesic, line, total * f64::from(k) / 400.0), point))
                        .fold(f64::INFINITY, f64::min);
                    assert!(found <= sampled + 1e-3, "{line:?} {point:?}: {found} > {sampled}");
                }
            }
        }
    }

    #[test]
    fn points_beyond_the_ends_locate_to_the_ends_and_a_null_flag_is_none() {
        let line = [(0.0, 0.0), (10.0, 0.0)];
        assert_eq!(locate_point(&line, (-5.0, 1.0)), Some(0.0));
        assert_eq!(locate_point(&line, (15.0, -1.0)), Some(1.0));
        assert_eq!(locate_point(&[(1.0, 1.0), (1.0, 1.0)], (2.0, 2.0)), None);
        assert_eq!(use_spheroid(&[Value::Null], 0), None);
        assert_eq!(use_spheroid(&[Value::Long(1)], 0), Some(true));
        assert_eq!(use_spheroid(&[], 0), Some(false));
    }
}
