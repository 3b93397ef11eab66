import DiagnoseCore
import DiagnoseText

/// CUDA/HIP out-of-memory messages (FORMATS.md B.1) in all four generations and exception-class
/// forms (`RuntimeError:`, `torch.cuda.OutOfMemoryError:`, `torch.OutOfMemoryError:`), including
/// the `total capacty` typo and the allocator-free `CUDA error: out of memory`. The requested size
/// ("Tried to allocate 2.00 GiB") becomes bytes; the GPU index is kept when printed.
final class OOMRule: LineRule {
    let keywords = ["out of memory", "OutOfMemoryError"]
    private static let tried = Rx.make(#"Tried to allocate ([0-9.]+) ?(bytes|[KMGT]iB|[KMGT]B)"#)
    private static let gpu = Rx.make(#"\(GPU (\d+);|\bGPU (\d+) has a total capac"#)
    private static let kind = Rx.make(#"(?:CUDA|HIP|cuda|hip) out of memory|OutOfMemoryError|CUDA error: out of memory|CUBLAS_STATUS_ALLOC_FAILED"#)
    private let mTried = OOMRule.tried.matcher()
    private let mGPU = OOMRule.gpu.matcher()
    private let mKind = OOMRule.kind.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        guard mKind.matches(b) else { return .pass }
        var bytes: Double? = nil
        if mTried.matches(b), let v = mTried.double(1), let unit = mTried.string(2) {
            bytes = ByteSize.bytes(value: v, unit: unit)
        }
        var gpu: Int? = nil
        if mGPU.matches(b) { gpu = mGPU.int(1) ?? mGPU.int(2) }
        sink.emit(line.event(.oom, .error, detail: .oom(triedBytes: bytes, gpu: gpu)))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "cuda-oom", examples: [
        ParserExample(name: "OOM, four generations", path: "logs/rank0.log", content: """
            RuntimeError: CUDA out of memory. Tried to allocate 12.50 MiB (GPU 0; 10.92 GiB total capacity; 8.57 MiB already allocated; 9.28 GiB free; 4.68 MiB cached)
            CUDA out of memory. Tried to allocate 2.26 GiB (GPU 0; 6.00 GiB total capacity; 781.59 MiB already allocated; 3.03 GiB free; 1.24 GiB reserved in total by PyTorch)
            torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 55.57 GiB. GPU 0 has a total capacty of 12.00 GiB of which 9.02 GiB is free. Of the allocated memory 984.52 MiB is allocated by PyTorch, and 463.48 MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF
            [rank3]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 22.78 GiB. GPU 3 has a total capacity of 31.47 GiB of which 12.73 GiB is free. Including non-PyTorch memory, this process has 18.73 GiB memory in use. Of the allocated memory 9.08 GiB is allocated by PyTorch, and 9.35 GiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)
            RuntimeError: CUDA error: out of memory
            """, expect: [
                .event(kind: .oom, line: 1, rank: 0, contains: "12.50 MiB"),
                .event(kind: .oom, line: 2),
                .event(kind: .oom, line: 3, contains: "total capacty"),
                .event(kind: .oom, line: 4, rank: 3),
                .event(kind: .oom, line: 5),
                .count(events: 5),
            ]),
    ]) { OOMRule() }
}
