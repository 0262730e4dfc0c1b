using System.Diagnostics;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Serving;

/// <summary>
/// Continuous batching over one <see cref="LlamaModel"/>: one decode thread runs a step for every running sequence at
/// once; a submitted sequence waits in a bounded queue, is prefilled when a row is free (with the others admitted at the
/// same time, in passes of similar length: <see cref="PrefillPlanner"/>) and joins the running batch at the next step,
/// and leaves it when it ends (end-of-sequence or stop token, stop string, token limit,
/// cancellation). Sequences of different LoRA adapters and of the base model share the steps, each with its own adapter
/// applied unmerged (<see cref="Lora.RowAdapters"/>), and each sequence samples with its own seeded generator.
/// <para>
/// Exactness: a sequence's tokens and log-probabilities are the bits <see cref="TextGenerator"/> gives for its prompt,
/// options and adapter at batch 1, whatever else runs. The kernels are batch-invariant; the one path choice that
/// depends on the batch, the fused decode kernel (up to <see cref="LlamaModel.MaxFusedDecodeRows"/> rows; base rows and
/// rows of float32 LoRA adapters, <see cref="LlamaModel.DecodesFused"/>), is kept per row: rows that would take it alone
/// run in fused sub-batches, whatever their adapters, the others (adapters the fused kernel does not take) in an
/// op-by-op one, all within the same engine step.
/// </para>
/// </summary>
public sealed class ServingEngine : IDisposable
{
    private readonly object gate = new();
    private readonly Queue<SequenceHandle> waiting = new();
    private readonly List<DecodeBatch> batches = [];
    private readonly Thread loop;
    private readonly HashSet<int> modelEos;
    private long nextId;
    private bool stopping;
    private int running;

    /// <summary>Starts the decode thread.</summary>
    public ServingEngine(LlamaModel model, ITokenizer? tokenizer, ServingOptions? options = null)
    {
        Model = model;
        Tokenizer = tokenizer;
        Options = options ?? new ServingOptions();
        Options.Validate();
        modelEos = new GenerationOptions().EndOfSequenceIds(model.Config, tokenizer);
        loop = new Thread(Run) { IsBackground = true, Name = "selfspec-serving" };
        loop.Start();
    }

    /// <summary>The model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The tokenizer for stop strings, if any.</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>The limits in force.</summary>
    public ServingOptions Options { get; }

    /// <summary>Counters and gauges for monitoring.</summary>
    public ServingMetrics Metrics { get; } = new();

    /// <summary>The model's end-of-sequence ids.</summary>
    public IReadOnlySet<int> EndOfSequenceIds => modelEos;

    /// <summary>
    /// Queues a sequence. Throws <see cref="ArgumentException"/> for a request the model cannot run (naming what is wrong),
    /// <see cref="ServingQueueFullException"/> when the waiting queue is full, <see cref="ServingStoppedException"/> after
    /// <see cref="Dispose"/> began.
    /// </summary>
    public SequenceHandle Submit(SequenceRequest request) => SubmitAll([request])[0];

    /// <summary>
    /// Queues several sequences at once, all or none (the same exceptions as <see cref="Submit"/>): they are admitted
    /// together when rows are free, and those of one adapter are prefilled as one batch.
    /// </summary>
    public IReadOnlyList<SequenceHandle> SubmitAll(IReadOnlyList<SequenceRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var r in requests) Validate(r);
        lock (gate)
        {
            if (stopping) throw new ServingStoppedException();
            if (waiting.Count + requests.Count > Options.MaxWaiting + Math.Max(0, Options.MaxNumSeqs - running)) throw new ServingQueueFullException(waiting.Count);
            var handles = requests.Select(r => new SequenceHandle(++nextId, r, Wake)).ToArray();
            foreach (var h in handles) waiting.Enqueue(h);
            Metrics.Waiting = waiting.Count;
            Monitor.PulseAll(gate);
            return handles;
        }
    }

    private void Validate(SequenceRequest r)
    {
        if (r.PromptIds.Count == 0) throw new ArgumentException("the prompt is empty", nameof(r.PromptIds));
        var vocab = Model.Config.VocabSize;
        foreach (var id in r.PromptIds)
            if ((uint)id >= (uint)vocab) throw new ArgumentException($"token id {id} is outside the vocabulary (0..{vocab - 1})", nameof(r.PromptIds));
        if (r.MaxTokens < 1) throw new ArgumentException("at least one token must be generated", nameof(r.MaxTokens));
        if (r.PromptIds.Count + r.MaxTokens > Options.MaxModelLen)
            throw new ArgumentException($"{r.PromptIds.Count} prompt tokens + {r.MaxTokens} to generate exceed the maximum length {Options.MaxModelLen}", nameof(r.MaxTokens));
        if (r.StopStrings.Count > 0 && Tokenizer == null) throw new ArgumentException("stop strings need a tokenizer", nameof(r.StopStrings));
        r.Sampling.Validate();
    }

    private void Wake()
    {
        lock (gate) Monitor.PulseAll(gate);
    }

    private void Run()
    {
        using var noGrad = new NoGrad();
        while (true)
        {
            List<SequenceHandle> admitted;
            lock (gate)
            {
                Metrics.BeginIdle();
                while (!stopping && waiting.Count == 0 && running == 0) Monitor.Wait(gate);
                Metrics.EndIdle();
                if (stopping) break;
                admitted = [];
                while (waiting.Count > 0 && running + admitted.Count < Options.MaxNumSeqs) admitted.Add(waiting.Dequeue());
                running += admitted.Count;
                Metrics.Running = running;
                Metrics.Waiting = waiting.Count;
            }
            try
            {
                var start = Stopwatch.GetTimestamp();
                var joining = PrefillAll(admitted);
                start = Metrics.AddTime(EnginePhase.Prefill, start);
                Place(joining);
                Metrics.AddTime(EnginePhase.Compose, start);
                Step();
            }
            catch (Exception e)
            {
                // Nothing the per-sequence handlers did not catch should get here; if something does, the sequences in
                // flight fail with it and the loop goes on serving.
                Console.Error.WriteLine($"serving engine: {e}");
                FailRunning(e);
            }
        }
        FailAll(new ServingStoppedException());
    }

    /// <summary>
    /// Prefills the sequences admitted together in left-padded batches of prompts of similar length
    /// (<see cref="PrefillPlanner"/>; the kernels give each row the bits it gets alone: attention sums only its visible
    /// keys, positions come from the mask, and the native low-rank kernel adds each row's own adapter). Base prompts and
    /// prompts of adapters that kernel takes share passes; prompts of other adapters (bfloat16, on a GPU) pass with their
    /// own adapter's only. The rest go alone — a cancelled one, one that wants its prompt's log-probabilities (all
    /// positions' logits), a one-token prompt (alone it is a decode-shaped step, which may take the fused kernel), a pass
    /// of one.
    /// </summary>
    private List<ActiveSequence> PrefillAll(List<SequenceHandle> admitted)
    {
        var joining = new List<ActiveSequence>();
        var together = admitted.Where(h => !h.IsCancelled && !h.Request.PromptLogprobs && h.Request.PromptIds.Count > 1).ToList();
        foreach (var h in admitted.Except(together))
            if (Prefill(h) is { } s) joining.Add(s);
        var shared = new object();
        foreach (var group in together.GroupBy(h => h.Request.Adapter is not { } a || NativeLora.Supports(a, Model.Device) ? shared : a))
        {
            var handles = group.ToList();
            foreach (var pass in PrefillPlanner.Plan(handles.Select(h => h.Request.PromptIds.Count).ToList(), Options.PrefillPassOverheadTokens))
            {
                if (pass.Length == 1)
                {
                    if (Prefill(handles[pass[0]]) is { } s) joining.Add(s);
                }
                else joining.AddRange(PrefillTogether(pass.Select(i => handles[i]).ToList()));
            }
        }
        return joining;
    }

    /// <summary>Prompts through the model as one left-padded batch, each row with its own adapter; each sequence gets a one-row cache of its own prompt and its first token.</summary>
    private List<ActiveSequence> PrefillTogether(List<SequenceHandle> handles)
    {
        var seqs = handles.Select(h => new ActiveSequence(h, StopIds(h.Request))).ToList();
        var settled = new bool[seqs.Count];
        var joining = new List<ActiveSequence>();
        try
        {
            var n = seqs.Count;
            var width = seqs.Max(q => q.Request.PromptIds.Count);
            var ids = new long[n * width];
            var mask = new long[n * width];
            Array.Fill(ids, Model.Config.PadTokenId ?? 0);
            for (var i = 0; i < n; i++)
            {
                var prompt = seqs[i].Request.PromptIds;
                for (var j = 0; j < prompt.Count; j++)
                {
                    ids[i * width + width - prompt.Count + j] = prompt[j];
                    mask[i * width + width - prompt.Count + j] = 1;
                }
            }
            using var batchCache = Model.CreateCache(n, width);
            using var scope = DisposeScope.Begin();
            var padded = seqs.Any(q => q.Request.PromptIds.Count != width);
            using var adapters = new RowAdapters(seqs.Select(q => q.Adapter).ToArray(), Model.Device);
            var logits = Model.Forward(OnDevice(Tensor.From<long>(ids, [n, width])), padded ? OnDevice(Tensor.From<long>(mask, [n, width])) : null,
                batchCache, adapters, lastPositionOnly: true).Select(1, 0); // [n, vocab]
            Metrics.CountPrefill(n);
            for (var i = 0; i < n; i++)
            {
                var seq = seqs[i];
                var p = seq.Request.PromptIds.Count;
                seq.PrefillCache = KvCache.Compose(p, p, [new KvRowSource(batchCache, i, width - p, p, 0)]);
                seq.Cached = p;
                Metrics.AddPromptTokens(p);
                Accept(seq, logits.Narrow(0, i, 1));
                settled[i] = true;
                if (seq.Result == null) joining.Add(seq);
                else seq.Dispose(); // ended by its first token: End gave its row back
            }
        }
        catch (Exception e)
        {
            for (var i = 0; i < seqs.Count; i++)
            {
                if (settled[i]) continue; // joined or ended and released already
                seqs[i].Dispose();
                Fail(seqs[i], e);
            }
        }
        return joining;
    }

    private Tensor OnDevice(Tensor t) => Model.Device.Type == DeviceType.Cpu ? t : t.To(Model.Device);

    /// <summary>The prompt alone through the model (as <see cref="TextGenerator"/> does at batch 1) and its first token.</summary>
    private ActiveSequence? Prefill(SequenceHandle handle)
    {
        var r = handle.Request;
        var seq = new ActiveSequence(handle, StopIds(r));
        try
        {
            if (handle.IsCancelled)
            {
                End(seq, SequenceFinish.Aborted, null, null);
                seq.Dispose();
                return null;
            }
            var p = r.PromptIds.Count;
            seq.PrefillCache = Model.CreateCache(1, p);
            using var scope = DisposeScope.Begin();
            using var ids = Tensor.From<long>(r.PromptIds.Select(i => (long)i).ToArray(), [1, p]);
            var input = Model.Device.Type == DeviceType.Cpu ? ids : ids.To(Model.Device);
            var logits = Model.Forward(input, null, seq.PrefillCache, r.Adapter, lastPositionOnly: !r.PromptLogprobs).Select(0, 0); // [T or 1, vocab]
            Metrics.CountPrefill(1);
            if (r.PromptLogprobs) seq.PromptLogprobs = PromptLogprobs(logits, r.PromptIds, r.TopLogprobs ?? 0);
            var last = logits.Narrow(0, logits.Size(0) - 1, 1);
            seq.Cached = p;
            Metrics.AddPromptTokens(p);
            Accept(seq, last);
            if (seq.Result == null) return seq;
            seq.Dispose(); // ended by its first token: End gave its row back
            return null;
        }
        catch (Exception e)
        {
            seq.Dispose();
            Fail(seq, e);
            return null;
        }
    }

    private static IReadOnlyList<GeneratedToken?> PromptLogprobs(Tensor logits, IReadOnlyList<int> prompt, int top)
    {
        var result = new GeneratedToken?[prompt.Count];
        var all = logits.Contiguous().ToArray<float>();
        var vocab = (int)logits.Size(1);
        for (var i = 1; i < prompt.Count; i++)
            result[i] = LogprobTable.For(all.AsSpan((i - 1) * vocab, vocab), prompt[i], top);
        return result;
    }

    private HashSet<int> StopIds(SequenceRequest r)
    {
        var ids = r.IgnoreEos ? new HashSet<int>() : new HashSet<int>(modelEos);
        ids.UnionWith(r.StopTokenIds);
        return ids;
    }

    /// <summary>
    /// Chooses the sequence's next token from its logits row [1, vocab] (or takes <paramref name="argmax"/>, the row's
    /// argmax computed with its batch's, when its sampler is plain greedy), reports it and ends the sequence when a rule says so.
    /// </summary>
    private void Accept(ActiveSequence seq, Tensor row, long? argmax = null)
    {
        var token = (int)(argmax is { } chosen && TakesArgmax(seq) ? chosen : seq.Sampler.Next(row, [seq.History])[0]);
        var top = seq.Request.TopLogprobs;
        var reported = top is { } n
            ? LogprobTable.For(row.Contiguous().ToArray<float>(), token, n)
            : new GeneratedToken(token, double.NaN, null);
        seq.Generated.Add(token);
        seq.Reported.Add(reported);
        seq.History.Add(token);
        seq.Pending = token;
        Metrics.AddGenerationTokens(1);
        seq.Handle.Emit(reported);
        if (seq.StopIds.Contains(token)) End(seq, SequenceFinish.Stop, null, token);
        else if (seq.Request.StopStrings.Count > 0 && StopAt(Tokenizer!.Decode(seq.Generated), seq.Request.StopStrings) is { } cut)
            End(seq, SequenceFinish.Stop, cut.Text, cut.Stop);
        else if (seq.Generated.Count >= seq.Request.MaxTokens) End(seq, SequenceFinish.Length, null, null);
    }

    private static (string Text, string Stop)? StopAt(string text, IReadOnlyList<string> stops)
    {
        (string, string)? best = null;
        var cut = int.MaxValue;
        foreach (var s in stops)
        {
            if (s.Length == 0) continue;
            var i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && i < cut)
            {
                cut = i;
                best = (text[..i], s);
            }
        }
        return best;
    }

    private void End(ActiveSequence seq, SequenceFinish finish, string? stopText, object? matched)
    {
        seq.Result = new SequenceResult(seq.Generated.ToArray(), finish, stopText, seq.PromptLogprobs, matched, seq.Reported.ToArray());
        Metrics.CountFinished(finish);
        FreeSlot(seq);
        seq.Handle.Finish(seq.Result);
    }

    /// <summary>Ends a sequence with <paramref name="error"/> (its row given back first, as <see cref="End"/> does).</summary>
    private void Fail(ActiveSequence seq, Exception error)
    {
        seq.Result ??= new SequenceResult(seq.Generated.ToArray(), SequenceFinish.Aborted, null, null, null, seq.Reported.ToArray());
        FreeSlot(seq);
        seq.Handle.Fail(error);
    }

    /// <summary>Puts prefilled sequences into batches of their decode path.</summary>
    private void Place(List<ActiveSequence> joining)
    {
        if (joining.Count == 0) return;
        var perBatch = new Dictionary<DecodeBatch, List<ActiveSequence>>();
        foreach (var seq in joining)
        {
            var fused = Model.DecodesFused(1, seq.Adapter);
            var batch = batches.FirstOrDefault(b => b.Fused == fused && b.Rows.Count(r => r.Result == null) + (perBatch.TryGetValue(b, out var j) ? j.Count : 0) < b.MaxRows);
            if (batch == null)
            {
                batch = new DecodeBatch(Model, fused, fused ? LlamaModel.MaxFusedDecodeRows : int.MaxValue, Options.CacheChunk, Metrics);
                batches.Add(batch);
            }
            if (!perBatch.TryGetValue(batch, out var list)) perBatch[batch] = list = [];
            list.Add(seq);
        }
        foreach (var (batch, list) in perBatch) Rebuild(batch, list);
    }

    /// <summary>
    /// One decode step of every batch. Rows that end free their place for admission at once, but stay in the batch's
    /// cache until its next rebuild (rows joining next, or the next step): a batch rebuilt for both rows leaving and
    /// rows joining copies its cache once, not twice.
    /// </summary>
    private void Step()
    {
        foreach (var batch in batches.ToArray())
        {
            foreach (var seq in batch.Rows)
                if (seq.Result == null && seq.Handle.IsCancelled) End(seq, SequenceFinish.Aborted, null, null);
            var start = Stopwatch.GetTimestamp();
            Rebuild(batch, []);
            start = Metrics.AddTime(EnginePhase.Compose, start);
            if (batch.Rows.Count == 0) continue;
            try
            {
                using var scope = DisposeScope.Begin();
                var logits = batch.Step();
                start = Metrics.AddTime(EnginePhase.Decode, start);
                Metrics.ObserveBatch(batch.Rows.Count);
                var greedy = GreedyTokens(batch.Rows, logits);
                for (var i = 0; i < batch.Rows.Count; i++) Accept(batch.Rows[i], logits.Narrow(0, i, 1), greedy?[i]);
                start = Metrics.AddTime(EnginePhase.Sample, start);
            }
            catch (Exception e)
            {
                foreach (var seq in batch.Rows)
                    if (seq.Result == null) Fail(seq, e);
            }
            if (batch.Rows.All(r => r.Result != null)) Rebuild(batch, []); // nothing stays: no copy, the cache is freed
            Metrics.AddTime(EnginePhase.Compose, start);
        }
        batches.RemoveAll(b =>
        {
            if (b.Rows.Count > 0) return false;
            b.Dispose();
            return true;
        });
    }

    private void Rebuild(DecodeBatch batch, List<ActiveSequence> joining)
    {
        var ended = batch.Rows.Where(r => r.Result != null).ToArray();
        try { batch.Rebuild(joining); }
        catch (Exception e)
        {
            foreach (var seq in joining.Concat(batch.Rows).Where(s => s.Result == null).ToArray()) Fail(seq, e);
            ended = batch.Rows.Concat(joining).Distinct().ToArray();
            batch.Rows.Clear();
        }
        foreach (var seq in ended) seq.Dispose();
    }

    /// <summary>
    /// Gives a sequence's row back to admission, once, before its handle completes: whoever sees the completion sees the
    /// row free (<see cref="ServingMetrics.Running"/> already counts it out).
    /// </summary>
    private void FreeSlot(ActiveSequence seq)
    {
        if (seq.SlotFreed) return;
        seq.SlotFreed = true;
        Release(1);
    }

    /// <summary>
    /// Every row's argmax in one call when some row decodes greedily without a repetition penalty (its sampler would
    /// take the argmax of its row alone: the same comparison, the same first index among ties), else null.
    /// </summary>
    private static long[]? GreedyTokens(List<ActiveSequence> rows, Tensor logits) =>
        rows.Any(TakesArgmax) ? logits.ArgMax(-1).ToArray<long>() : null;

    private static bool TakesArgmax(ActiveSequence seq) => seq.Sampler.Options is { Greedy: true, RepetitionPenalty: 1.0 };

    private void Release(int n)
    {
        if (n == 0) return;
        lock (gate)
        {
            running -= n;
            Metrics.Running = running;
        }
    }

    private void FailAll(Exception error)
    {
        lock (gate)
        {
            while (waiting.Count > 0) waiting.Dequeue().Fail(error);
            Metrics.Waiting = 0;
        }
        FailRunning(error);
    }

    private void FailRunning(Exception error)
    {
        foreach (var b in batches)
        {
            foreach (var seq in b.Rows)
            {
                if (seq.Result == null) Fail(seq, error);
                seq.Dispose();
            }
            b.Dispose();
        }
        batches.Clear();
    }

    /// <summary>Stops taking work, fails what is queued or running with <see cref="ServingStoppedException"/>, and ends the decode thread.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (stopping) return;
            stopping = true;
            Monitor.PulseAll(gate);
        }
        loop.Join();
    }
}
