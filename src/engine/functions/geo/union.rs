//! The measures of a union of overlapping polygons, as Kusto gives them for
//! a `MultiPolygon` whose polygons overlap (the area, perimeter and centroid
//! pages: "the union of polygons"). The union's boundary is made of the
//! stretches of each ring that lie outside every other polygon, kept in the
//! ring's direction (holes turned around, so the region is always on the
//! left); the area and the centroid are sums of triangles fanned from one
//! point over that boundary, as for a single loop, and the perimeter is its
//! length.

use crate::engine::functions::geo::geojson::Polygon;
use crate::engine::functions::geo::intersection::{EPSILON, Edge, Shared, Vertex, overlap};
use crate::engine::functions::geo::sphere::{Vec3, signed_triangle_area, true_centroid};

/// The area (steradians), perimeter (radians) and centroid (direction times
/// area) of a union of polygons.
pub struct Measures {
    pub area: f64,
    pub perimeter: f64,
    pub centroid: Vec3,
}

/// The measures of the union; `None` when two rings run along each other
/// (the boundary would need merging there).
pub fn measures(polygons: &[Polygon]) -> Option<Measures> {
    let pieces = boundary(polygons)?;
    let origin = pieces.first().map_or(Vec3::ZERO, |piece| piece.0);
    let mut measures = Measures { area: 0.0, perimeter: 0.0, centroid: Vec3::ZERO };
    for &(a, b) in &pieces {
        measures.area += signed_triangle_area(origin, a, b);
        measures.perimeter += a.angle(b);
        measures.centroid = measures.centroid.plus(true_centroid(origin, a, b));
    }
    Some(measures)
}

/// The oriented edges of the union's boundary.
pub(super) fn boundary(polygons: &[Polygon]) -> Option<Vec<(Vec3, Vec3)>> {
    let rings_of = |polygon: &Polygon| -> Vec<Edge> {
        let shell = polygon.shell.edges();
        // A hole's loop goes around the hole; the polygon lies on its other side.
        let holes = polygon.holes.iter().flat_map(|hole| hole.edges().map(|(a, b)| (b, a)));
        shell.chain(holes).map(|(a, b)| Edge::new(Vertex::computed(a), Vertex::computed(b))).collect()
    };
    let edges: Vec<Vec<Edge>> = polygons.iter().map(rings_of).collect();
    let caps: Vec<(Vec3, f64)> = polygons.iter().map(cap).collect();
    let mut pieces = Vec::new();
    for (index, own) in edges.iter().enumerate() {
        for edge in own {
            // Only the polygons whose cap the edge can reach.
            let others: Vec<(&Polygon, &Vec<Edge>)> = (0..polygons.len())
                .filter(|&other| other != index)
                .filter(|&other| caps[other].0.angle(edge.a.vector) <= caps[other].1 + edge.length + EPSILON)
                .map(|other| (&polygons[other], &edges[other]))
                .collect();
            let mut cuts = vec![0.0, edge.length];
            for other_edge in others.iter().flat_map(|(_, other_edges)| other_edges.iter()) {
                if edge.on_same_circle(other_edge) {
                    if matches!(overlap(edge, other_edge), Some(Shared::Segment(..))) {
                        return None;
                    }
                } else if let Some(point) = edge.crossing(other_edge) {
                    cuts.push(edge.along(point.vector));
                }
            }
            cuts.sort_by(f64::total_cmp);
            for pair in cuts.windows(2) {
                if pair[1] - pair[0] <= EPSILON {
                    continue;
                }
                let middle = edge.at((pair[0] + pair[1]) / 2.0);
                if others.iter().any(|(polygon, _)| polygon.contains(middle)) {
                    continue;
                }
                let end = |t: f64| {
                    if t <= 0.0 {
                        edge.a.vector
                    } else if t >= edge.length {
                        edge.b.vector
                    } else {
                        edge.at(t)
                    }
                };
                pieces.push((end(pair[0]), end(pair[1])));
            }
        }
    }
    Some(pieces)
}

/// A cap that holds a polygon: around the direction of its mean vertex, out
/// to its farthest boundary point. A boundary inside a cap smaller than a
/// hemisphere leaves the polygon (the smaller region) inside it too.
fn cap(polygon: &Polygon) -> (Vec3, f64) {
    let sum = polygon.shell.vertices.iter().fold(Vec3::ZERO, |sum, v| sum.plus(*v));
    let center = sum.normalize();
    let radius = polygon.shell.vertices.iter().map(|v| center.angle(*v)).fold(0.0, f64::max);
    let longest = polygon.shell.edges().map(|(a, b)| a.angle(b)).fold(0.0, f64::max);
    // An edge's points lie within half its length of one of its ends. A cap
    // of half the sphere or more bounds nothing useful: take the sphere.
    let radius = radius + longest / 2.0;
    (center, if radius < std::f64::consts::FRAC_PI_2 { radius } else { std::f64::consts::PI })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::geo::geojson::parse_polygons;
    use crate::engine::functions::geo::sphere::EARTH_RADIUS_METERS;
    use crate::engine::value::Dyn;

    const CENTRAL_PARK_AND_MORE: &str = r#"{"type":"MultiPolygon","coordinates":[[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]],[[[-73.94262313842773,40.775991804565585],[-73.98107528686523,40.791849155467695],[-73.99600982666016,40.77092185281977],[-73.96150588989258,40.75609977566361],[-73.94262313842773,40.775991804565585]]]]}"#;

    #[test]
    fn documented_union_area_perimeter_and_centroid() {
        let polygons = parse_polygons(&Dyn::parse_json(CENTRAL_PARK_AND_MORE)).expect("valid");
        let measures = measures(&polygons).expect("measures");
        let area = measures.area * EARTH_RADIUS_METERS * EARTH_RADIUS_METERS;
        let perimeter = measures.perimeter * EARTH_RADIUS_METERS;
        // Within a part in a billion (S2 sums the triangles differently).
        assert!((area - 10889971.5343487).abs() < 1e-9 * area, "{area}");
        assert!((perimeter - 15943.5384578745).abs() < 1e-9 * perimeter, "{perimeter}");
        let (longitude, latitude) = measures.centroid.normalize().to_degrees();
        assert!((longitude - -73.968_569_587_829_58).abs() < 1e-9, "{longitude}");
        assert!((latitude - 40.776_310_752_555_12).abs() < 1e-9, "{latitude}");
    }

    #[test]
    fn disjoint_polygons_measure_as_their_sum() {
        let json = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#;
        let polygons = parse_polygons(&Dyn::parse_json(json)).expect("valid");
        let measures = measures(&polygons).expect("measures");
        let sum: f64 = polygons.iter().map(|polygon| polygon.shell.area()).sum();
        assert!((measures.area - sum).abs() < 1e-15, "{} {sum}", measures.area);
    }
}
