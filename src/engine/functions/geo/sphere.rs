//! Geometry on the unit sphere, the model Kusto's geospatial functions use
//! (they are built on S2): points are unit vectors, edges are geodesics
//! (great-circle arcs shorter than 180 degrees), lengths are angles times
//! the earth radius.

/// The earth radius, in meters, of Kusto's spherical model: S2's
/// `S2Earth::RadiusMeters()`. The documented distances agree with it to
/// every printed digit (for example Seattle to Los Angeles, 1546754.35197381 m).
pub const EARTH_RADIUS_METERS: f64 = 6_371_010.0;

/// A point in 3-D space; on the sphere when its norm is 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vec3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Vec3 {
    pub const ZERO: Vec3 = Vec3 { x: 0.0, y: 0.0, z: 0.0 };

    pub fn new(x: f64, y: f64, z: f64) -> Vec3 {
        Vec3 { x, y, z }
    }

    /// The unit vector of a longitude and a latitude in degrees.
    pub fn from_degrees(longitude: f64, latitude: f64) -> Vec3 {
        let (lng, lat) = (longitude.to_radians(), latitude.to_radians());
        Vec3::new(lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin())
    }

    /// Longitude and latitude in degrees.
    pub fn to_degrees(self) -> (f64, f64) {
        let longitude = self.y.atan2(self.x).to_degrees();
        let latitude = self.z.atan2(self.x.hypot(self.y)).to_degrees();
        (longitude, latitude)
    }

    pub fn dot(self, other: Vec3) -> f64 {
        self.x * other.x + self.y * other.y + self.z * other.z
    }

    pub fn cross(self, other: Vec3) -> Vec3 {
        Vec3::new(
            self.y * other.z - self.z * other.y,
            self.z * other.x - self.x * other.z,
            self.x * other.y - self.y * other.x,
        )
    }

    pub fn plus(self, other: Vec3) -> Vec3 {
        Vec3::new(self.x + other.x, self.y + other.y, self.z + other.z)
    }

    pub fn minus(self, other: Vec3) -> Vec3 {
        Vec3::new(self.x - other.x, self.y - other.y, self.z - other.z)
    }

    pub fn scale(self, factor: f64) -> Vec3 {
        Vec3::new(self.x * factor, self.y * factor, self.z * factor)
    }

    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }

    /// The vector scaled to length 1 (the zero vector stays zero).
    pub fn normalize(self) -> Vec3 {
        let norm = self.norm();
        if norm == 0.0 { self } else { self.scale(1.0 / norm) }
    }

    /// The angle between two vectors, in radians, accurate for small and
    /// large angles alike.
    pub fn angle(self, other: Vec3) -> f64 {
        self.cross(other).norm().atan2(self.dot(other))
    }
}

/// The signed area of the spherical triangle `a b c` (positive when counter
/// clockwise), by the formula of Van Oosterom and Strackee.
pub fn signed_triangle_area(a: Vec3, b: Vec3, c: Vec3) -> f64 {
    let numerator = a.dot(b.cross(c));
    let denominator = 1.0 + a.dot(b) + b.dot(c) + c.dot(a);
    2.0 * numerator.atan2(denominator)
}

/// The centroid of triangle `a b c` times its area (S2's `TrueCentroid`):
/// summed over a fan of triangles it gives a loop's centroid direction.
pub fn true_centroid(a: Vec3, b: Vec3, c: Vec3) -> Vec3 {
    let ratio = |angle: f64| if angle == 0.0 { 1.0 } else { angle / angle.sin() };
    let ra = ratio(b.angle(c));
    let rb = ratio(c.angle(a));
    let rc = ratio(a.angle(b));
    let x = Vec3::new(a.x, b.x - a.x, c.x - a.x);
    let y = Vec3::new(a.y, b.y - a.y, c.y - a.y);
    let z = Vec3::new(a.z, b.z - a.z, c.z - a.z);
    let r = Vec3::new(ra, rb - ra, rc - ra);
    Vec3::new(y.cross(z).dot(r), z.cross(x).dot(r), x.cross(y).dot(r)).scale(0.5)
}

/// A closed loop of distinct vertices (the last is not repeated), oriented
/// counter-clockwise around the region it bounds: the smaller of the two
/// regions its edges divide the sphere into, as Kusto's polygons define it.
#[derive(Debug, Clone)]
pub struct Loop {
    pub vertices: Vec<Vec3>,
}

impl Loop {
    /// The loop through `vertices`, oriented so that it bounds the smaller region.
    pub fn new(mut vertices: Vec<Vec3>) -> Loop {
        if fan_area(&vertices) < 0.0 {
            vertices.reverse();
        }
        Loop { vertices }
    }

    /// The edges `(v[i], v[i+1])`, the last one closing the loop.
    pub fn edges(&self) -> impl Iterator<Item = (Vec3, Vec3)> + '_ {
        let n = self.vertices.len();
        (0..n).map(move |i| (self.vertices[i], self.vertices[(i + 1) % n]))
    }

    /// Whether two edges that do not follow each other share a point: the
    /// ring crosses or touches itself, which the polygon rules forbid
    /// ("LinearRing must not cross", geo_point_in_polygon page). Sort and
    /// sweep over boxes that hold each arc (its chord's box widened by the
    /// arc's bulge, 1 - cos(θ/2)), so a ring of n edges costs about
    /// n log n, not n², on ordinary shapes.
    pub fn crosses_itself(&self) -> bool {
        let n = self.vertices.len();
        if n < 4 {
            return false;
        }
        let mut boxes: Vec<(usize, [f64; 3], [f64; 3])> = self
            .edges()
            .enumerate()
            .map(|(index, (a, b))| {
                let slack = 1.0 - (a.angle(b) / 2.0).cos() + 1e-12;
                let low = [a.x.min(b.x) - slack, a.y.min(b.y) - slack, a.z.min(b.z) - slack];
                let high = [a.x.max(b.x) + slack, a.y.max(b.y) + slack, a.z.max(b.z) + slack];
                (index, low, high)
            })
            .collect();
        boxes.sort_by(|first, second| first.1[0].total_cmp(&second.1[0]));
        let edge = |index: usize| (self.vertices[index], self.vertices[(index + 1) % n]);
        for (position, (first, low, high)) in boxes.iter().enumerate() {
            for (second, other_low, other_high) in &boxes[position + 1..] {
                if other_low[0] > high[0] {
                    break;
                }
                let apart = (1..3).any(|axis| other_low[axis] > high[axis] || other_high[axis] < low[axis]);
                let gap = first.abs_diff(*second);
                if apart || gap == 1 || gap == n - 1 {
                    continue;
                }
                let ((a, b), (c, d)) = (edge(*first), edge(*second));
                if arcs_intersect(a, b, c, d) {
                    return true;
                }
            }
        }
        false
    }

    /// The area of the region, in steradians.
    pub fn area(&self) -> f64 {
        fan_area(&self.vertices).abs()
    }

    /// The length of the boundary, in radians.
    pub fn perimeter(&self) -> f64 {
        self.edges().map(|(a, b)| a.angle(b)).sum()
    }

    /// The centroid direction times the area.
    pub fn centroid(&self) -> Vec3 {
        let origin = self.vertices[0];
        (1..self.vertices.len() - 1)
            .fold(Vec3::ZERO, |sum, i| sum.plus(true_centroid(origin, self.vertices[i], self.vertices[i + 1])))
    }

    /// Whether the region contains `point`: the parity of the crossings of
    /// the arc from `point` to a reference point outside the loop.
    pub fn contains(&self, point: Vec3) -> bool {
        let Some(outside) = self.outside_point() else { return false };
        if outside.angle(point) < 1e-15 {
            return false;
        }
        let crossings = self.edges().filter(|&(a, b)| arc_crosses_half_open(point, outside, a, b)).count();
        crossings % 2 == 1
    }

    /// A point outside the region: the antipode of the mean vertex, which
    /// lies outside any loop bounding less than a hemisphere around it.
    fn outside_point(&self) -> Option<Vec3> {
        let sum = self.vertices.iter().fold(Vec3::ZERO, |sum, v| sum.plus(*v));
        let outside = sum.scale(-1.0).normalize();
        (outside.norm() > 0.0).then_some(outside)
    }
}

/// The signed area of a loop by a fan of triangles from its first vertex
/// (exact for loops smaller than a hemisphere).
fn fan_area(vertices: &[Vec3]) -> f64 {
    if vertices.len() < 3 {
        return 0.0;
    }
    let origin = vertices[0];
    (1..vertices.len() - 1).map(|i| signed_triangle_area(origin, vertices[i], vertices[i + 1])).sum()
}

/// Whether arc `p q` crosses edge `a b`, counting an edge that touches the
/// arc at one endpoint on one side only (so that a crossing at a vertex is
/// counted once).
fn arc_crosses_half_open(p: Vec3, q: Vec3, a: Vec3, b: Vec3) -> bool {
    let normal = p.cross(q);
    let side_a = normal.dot(a) >= 0.0;
    let side_b = normal.dot(b) >= 0.0;
    if side_a == side_b {
        return false;
    }
    // Where the great circle of the edge meets the great circle of the arc,
    // on the edge's side.
    let mut meet = a.cross(b).cross(normal);
    if meet.dot(a.plus(b)) < 0.0 {
        meet = meet.scale(-1.0);
    }
    p.cross(meet).dot(normal) >= 0.0 && meet.cross(q).dot(normal) >= 0.0
}

/// Whether the arcs `a b` and `c d` share a point (touching counts).
pub fn arcs_intersect(a: Vec3, b: Vec3, c: Vec3, d: Vec3) -> bool {
    let ab = a.cross(b);
    let cd = c.cross(d);
    let (side_c, side_d) = (ab.dot(c), ab.dot(d));
    let (side_a, side_b) = (cd.dot(a), cd.dot(b));
    // An endpoint on the other arc (a shared vertex, a T junction) touches
    // it; its side is zero up to rounding, which the sign test below cannot
    // be trusted with.
    let touches = |point: Vec3, side: f64, x: Vec3, y: Vec3| side.abs() < 1e-14 && on_arc(point, x, y);
    if touches(c, side_c, a, b) || touches(d, side_d, a, b) || touches(a, side_a, c, d) || touches(b, side_b, c, d) {
        return true;
    }
    if side_c * side_d > 0.0 || side_a * side_b > 0.0 {
        return false;
    }
    let mut meet = ab.cross(cd);
    if meet.norm() == 0.0 {
        // The same great circle: the arcs overlap when an endpoint of one lies on the other.
        return on_arc(c, a, b) || on_arc(d, a, b) || on_arc(a, c, d) || on_arc(b, c, d);
    }
    if meet.dot(a.plus(b)) < 0.0 {
        meet = meet.scale(-1.0);
    }
    meet.dot(c.plus(d)) >= 0.0
}

fn on_arc(point: Vec3, a: Vec3, b: Vec3) -> bool {
    (a.angle(point) + point.angle(b) - a.angle(b)).abs() < 1e-15
}

/// The point of arc `a b` closest to `point`.
pub fn closest_on_arc(point: Vec3, a: Vec3, b: Vec3) -> Vec3 {
    let normal = a.cross(b);
    if normal.norm() == 0.0 {
        return a;
    }
    let unit = normal.normalize();
    // The part of `point` in the arc's plane, as `n × (p × n)`: the same as
    // `p - (p·n) n`, without its cancellation when `point` is near the
    // plane's pole (for example the north pole and an arc on the equator,
    // where the subtraction left a residue as large as the true component).
    let projected = unit.cross(point.cross(unit));
    if a.cross(projected).dot(normal) >= 0.0 && projected.cross(b).dot(normal) >= 0.0 && projected.norm() > 0.0 {
        return projected.normalize();
    }
    if point.angle(a) <= point.angle(b) { a } else { b }
}

/// The point a fraction `t` of the way along arc `a b`.
pub fn interpolate(a: Vec3, b: Vec3, t: f64) -> Vec3 {
    let angle = a.angle(b);
    if angle == 0.0 {
        return a;
    }
    let sin = angle.sin();
    a.scale(((1.0 - t) * angle).sin() / sin).plus(b.scale((t * angle).sin() / sin)).normalize()
}

/// The point at `distance` (radians) from `origin` in direction `azimuth`
/// (radians clockwise from north). Computed with the origin's north and
/// east tangent vectors, which stay defined at the poles (there "north" is
/// along the origin's meridian across the pole), where the trigonometric
/// formula divides zero by zero.
pub fn destination(longitude: f64, latitude: f64, azimuth: f64, distance: f64) -> (f64, f64) {
    let (lng, lat) = (longitude.to_radians(), latitude.to_radians());
    let origin = Vec3::from_degrees(longitude, latitude);
    let north = Vec3::new(-lat.sin() * lng.cos(), -lat.sin() * lng.sin(), lat.cos());
    let east = Vec3::new(-lng.sin(), lng.cos(), 0.0);
    let direction = north.scale(azimuth.cos()).plus(east.scale(azimuth.sin()));
    origin.scale(distance.cos()).plus(direction.scale(distance.sin())).normalize().to_degrees()
}

/// The initial bearing of the geodesic from point 1 to point 2, in radians
/// clockwise from north, in [0, 2π).
pub fn azimuth(lng1: f64, lat1: f64, lng2: f64, lat2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let delta = (lng2 - lng1).to_radians();
    let y = delta.sin() * phi2.cos();
    let x = phi1.cos() * phi2.sin() - phi1.sin() * phi2.cos() * delta.cos();
    y.atan2(x).rem_euclid(std::f64::consts::TAU)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_loop_contains_its_middle_not_outside() {
        let square = Loop::new(vec![
            Vec3::from_degrees(0.0, 0.0),
            Vec3::from_degrees(0.0, 1.0),
            Vec3::from_degrees(1.0, 1.0),
            Vec3::from_degrees(1.0, 0.0),
        ]);
        assert!(square.contains(Vec3::from_degrees(0.5, 0.5)));
        assert!(!square.contains(Vec3::from_degrees(1.5, 0.5)));
        assert!(!square.contains(Vec3::from_degrees(-179.0, 0.5)));
        assert!(square.area() > 0.0);
    }

    #[test]
    fn crossing_arcs_intersect_and_parallel_ones_do_not() {
        let p = Vec3::from_degrees;
        assert!(arcs_intersect(p(0.0, 0.0), p(1.0, 1.0), p(0.0, 1.0), p(1.0, 0.0)));
        assert!(!arcs_intersect(p(0.0, 0.0), p(1.0, 0.0), p(0.0, 1.0), p(1.0, 1.0)));
    }

    #[test]
    fn a_bow_tie_crosses_itself_and_a_fine_circle_does_not() {
        let p = Vec3::from_degrees;
        let bow_tie = Loop::new(vec![p(0.0, 0.0), p(10.0, 10.0), p(10.0, 0.0), p(0.0, 10.0)]);
        assert!(bow_tie.crosses_itself());
        let square = Loop::new(vec![p(0.0, 0.0), p(10.0, 0.0), p(10.0, 10.0), p(0.0, 10.0)]);
        assert!(!square.crosses_itself());
        // A vertex on a non-adjacent edge touches it.
        let touching = Loop::new(vec![p(0.0, 0.0), p(10.0, 0.0), p(10.0, 10.0), p(5.0, 0.0), p(0.0, 10.0)]);
        assert!(touching.crosses_itself());
        let circle: Vec<Vec3> = (0..20_000)
            .map(|k| {
                let azimuth = -std::f64::consts::TAU * k as f64 / 20_000.0;
                let (longitude, latitude) = destination(10.0, 50.0, azimuth, 0.01);
                p(longitude, latitude)
            })
            .collect();
        assert!(!Loop::new(circle).crosses_itself());
    }

    #[test]
    fn arcs_sharing_an_endpoint_intersect() {
        let p = Vec3::from_degrees;
        assert!(arcs_intersect(p(0.0, 0.0), p(1.0, 1.0), p(1.0, 1.0), p(2.0, 0.0)));
        assert!(arcs_intersect(p(-73.9, 40.7), p(-73.8, 40.8), p(-73.7, 40.6), p(-73.8, 40.8)));
        assert!(!arcs_intersect(p(0.0, 0.0), p(1.0, 1.0), p(1.0, 1.0001), p(2.0, 0.0)));
    }

    #[test]
    fn every_point_of_an_equator_arc_is_a_quarter_turn_from_the_pole() {
        let pole = Vec3::from_degrees(0.0, 90.0);
        let closest = closest_on_arc(pole, Vec3::from_degrees(0.0, 0.0), Vec3::from_degrees(10.0, 0.0));
        assert!((pole.angle(closest) - std::f64::consts::FRAC_PI_2).abs() < 1e-12, "{closest:?}");
    }

    #[test]
    fn destination_moves_along_the_azimuth_even_from_a_pole() {
        let (longitude, latitude) = destination(10.0, 0.0, 0.0, 1f64.to_radians());
        assert!((longitude - 10.0).abs() < 1e-9 && (latitude - 1.0).abs() < 1e-9, "{longitude} {latitude}");
        let (longitude, latitude) = destination(0.0, 0.0, std::f64::consts::FRAC_PI_2, 1f64.to_radians());
        assert!((longitude - 1.0).abs() < 1e-9 && latitude.abs() < 1e-9, "{longitude} {latitude}");
        // From the pole, every direction leads 1 degree south, to distinct longitudes.
        let ring: Vec<(f64, f64)> =
            (0..4).map(|k| destination(0.0, 90.0, k as f64 * std::f64::consts::FRAC_PI_2, 1f64.to_radians())).collect();
        for (index, (longitude, latitude)) in ring.iter().enumerate() {
            assert!((latitude - 89.0).abs() < 1e-9, "{ring:?}");
            assert!(ring[..index].iter().all(|(other, _)| (other - longitude).abs() > 1.0), "{ring:?}");
        }
    }
}
