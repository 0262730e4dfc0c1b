// Encode throughput of SelfSpec.Tokenizers on one text file, for bench/tokenizers/run.sh.
//   TokenizerBench <tokenizer dir> <text file> <repeats>
// Encodes the file line by line (a batch of documents), on one thread and on all threads; prints one JSON line.
using System.Diagnostics;
using System.Text.Json;
using SelfSpec.Tokenizers;

var tokenizer = Tokenizer.FromDirectory(args[0]);
var text = File.ReadAllText(args[1]);
var repeats = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var lines = text.Split('\n');
var bytes = System.Text.Encoding.UTF8.GetByteCount(text);

long tokens = 0;
double single = double.MaxValue, all = double.MaxValue;
for (var r = 0; r <= repeats; r++)
{
    var sw = Stopwatch.StartNew();
    long n = 0;
    foreach (var line in lines) n += tokenizer.Encode(line, addSpecialTokens: false).Length;
    var s = sw.Elapsed.TotalSeconds;
    if (r > 0) single = Math.Min(single, s); // the first pass is the warm-up
    tokens = n;
}
for (var r = 0; r <= repeats; r++)
{
    var sw = Stopwatch.StartNew();
    var ids = tokenizer.EncodeBatchToIds(lines, addSpecialTokens: false);
    var s = sw.Elapsed.TotalSeconds;
    if (r > 0) all = Math.Min(all, s);
    if (ids.Sum(x => (long)x.Length) != tokens) throw new InvalidOperationException("parallel and sequential token counts differ");
}
Console.WriteLine(JsonSerializer.Serialize(new
{
    mb_per_s_single = bytes / 1e6 / single,
    mb_per_s_all = bytes / 1e6 / all,
    threads = Environment.ProcessorCount,
    tokens,
    bytes,
}));
