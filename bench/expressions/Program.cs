using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions;
using SelfSpec.Workflows.Expressions.JavaScript;

// Usage: SelfSpec.Expressions.Bench [evaluations=2000] [repeats=5] [output.md]
// The expressions of the project's workflows, each written in JavaScript and in C#, evaluated through the runtime's
// expression evaluator (conversion to the declared type included). C# was what the JavaScript subset was translated into.
var evaluations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var output = args.Length > 2 ? args[2] : null;

(string Name, string Type, string JavaScript, string CSharp)[] cases =
[
    ("input with default", "Int32", "getInput(\"randomSeed\") ?? 42", "Get(\"randomSeed\") ?? 42"),
    ("nested default", "Int32", "getInput(\"instructionCount\") ?? (getInput(\"baseModel\") == null ? 250 : 5000)",
        "Get(\"instructionCount\") ?? (Get(\"baseModel\") == null ? 250 : 5000)"),
    ("string concatenation", "String", "\"Results in \" + getOutputPath() + \" (report: evaluate/report.html)\"",
        "\"Results in \" + Get(\"OutputPath\") + \" (report: evaluate/report.html)\""),
    ("variable counter", "Object", "getCounter() + 1", "Get(\"Counter\") + 1"),
];

var definition = new WorkflowDefinition
{
    Id = "bench-v1", DefinitionId = "bench", Name = "bench", Root = new ActivityNode { Id = "root", Type = "Elsa.Flowchart" },
    Variables = [new() { Id = "v1", Name = "OutputPath", TypeName = "String" }, new() { Id = "v2", Name = "Counter", TypeName = "Int32" }],
    Inputs = [new() { Name = "randomSeed", Type = "Int32" }, new() { Name = "instructionCount", Type = "Int32" }, new() { Name = "baseModel", Type = "String" }],
};
var scope = new BenchScope(definition);
var probe = new ActivityNode { Id = "probe", Type = "Elsa.WriteLine" };
async Task<double> Run(string syntax, string code, string type)
{
    var input = new InputValue(type, new Expression(syntax, JsonValue.Create(code)));
    var target = TypeAliases.Resolve(type);
    for (var i = 0; i < 50; i++) await ExpressionEvaluator.EvaluateAsync(input, target, scope, probe, "value", default); // JIT, parse, compile
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < evaluations; i++) await ExpressionEvaluator.EvaluateAsync(input, target, scope, probe, "value", default);
    return sw.Elapsed.TotalMicroseconds / evaluations;
}

var md = new StringBuilder();
md.AppendLine("# Expression evaluation: JavaScript (Jint) vs C# (Roslyn)");
md.AppendLine();
md.AppendLine($"µs per evaluation, median of {repeats} runs of {evaluations:N0} evaluations after a warm-up, through the runtime's expression evaluator");
md.AppendLine("(conversion to the declared type included). JavaScript: Jint 4.18, a fresh sandboxed engine per evaluation, parsed once per text.");
md.AppendLine("C#: the Roslyn delegate compiled once per text — what the former JavaScript subset was translated into.");
double load = File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;
md.AppendLine($"`bench/expressions/run.sh` on this machine ({Environment.ProcessorCount} cores, shared; load average {load:0.0}), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
md.AppendLine();
md.AppendLine("| expression | JavaScript µs | C# µs | JavaScript / C# |");
md.AppendLine("|---|---:|---:|---:|");
foreach (var (name, type, js, cs) in cases)
{
    var jsTimes = new List<double>();
    var csTimes = new List<double>();
    for (var r = 0; r < repeats; r++)
    {
        jsTimes.Add(await Run("JavaScript", js, type));
        csTimes.Add(await Run("CSharp", cs, type));
    }
    md.AppendLine(CultureInfo.InvariantCulture, $"| {name}: `{js}` | {Median(jsTimes):0.0} | {Median(csTimes):0.0} | {Median(jsTimes) / Median(csTimes):0.0}× |");
}
Console.Write(md.ToString());
if (output is not null) File.WriteAllText(output, md.ToString());

static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }

/// <summary>A run's input and variables: randomSeed given, the others not.</summary>
internal sealed class BenchScope(WorkflowDefinition definition) : IExpressionScope
{
    private readonly Dictionary<string, object?> _variables = new() { ["OutputPath"] = "/runs/x/publishRun", ["Counter"] = 3 };
    public WorkflowDefinition Definition => definition;
    public string InstanceId => "bench";
    public JavaScriptOptions JavaScript { get; } = new();
    public IReadOnlyDictionary<string, object?> Input { get; } = new Dictionary<string, object?> { ["randomSeed"] = 7, ["instructionCount"] = null, ["baseModel"] = null };
    public IReadOnlyDictionary<string, object?> VariablesByName => _variables;
    public object? GetVariable(string idOrName) => _variables.GetValueOrDefault(idOrName);
    public void SetVariableByName(string name, object? value) => _variables[name] = value;
}
