import Foundation

/// Turns a study into the exact questions every participant sees.
public enum StudyResolver {
    /// Draw each block's questions (seeded, disjoint across blocks; see
    /// `Selection.drawBlocks(of:)`). Throws `InputErrors` for unreadable banks and blocks that
    /// cannot be filled, each naming the study file and the block's line.
    public static func resolve(_ study: Study) throws -> ResolvedStudy {
        ResolvedStudy(study: study, blocks: try Selection.drawBlocks(of: study))
    }
}
