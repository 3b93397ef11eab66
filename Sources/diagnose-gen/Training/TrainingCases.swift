/// Training-side incident cases (owned by the training generator).
enum TrainingCases {
    static func make(seed: UInt64) -> [GeneratedCase] { [] }
}
