using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Expressions.JavaScript;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

/// <summary>The sandbox: every limit stops a runaway expression, nothing of .NET is reachable, and failures say where they happened.</summary>
public sealed class JavaScriptSandboxTests
{
    private static readonly Definitions.WorkflowDefinition Definition = JavaScriptScope.Workflow([("Items", "Object")], [("path", "String")]);

    private static WorkflowExecutionException Fails(string code, JavaScriptOptions? options = null, IReadOnlyDictionary<string, object?>? input = null)
    {
        var scope = new JavaScriptScope(Definition, input, options);
        return Assert.Throws<WorkflowExecutionException>(() => scope.Evaluate(code));
    }

    private static void Mentions(string? message, string part) => Assert.True(message?.Contains(part, StringComparison.Ordinal) == true, $"'{part}' not in: {message}");

    [Fact]
    public void AnInfiniteLoopHitsTheStatementLimit()
    {
        var e = Fails("let i = 0; while (true) { i++; }", new JavaScriptOptions { MaxStatements = 10_000 });
        Mentions(e.Message, "statement limit exceeded");
        Mentions(e.Message, "10,000");
    }

    [Fact]
    public void AnInfiniteLoopHitsTheTimeLimitWhenStatementsAreUnlimited()
    {
        var e = Fails("for (;;) {}", new JavaScriptOptions { MaxStatements = int.MaxValue, TimeLimit = TimeSpan.FromMilliseconds(200) });
        Mentions(e.Message, "time limit exceeded");
    }

    [Fact]
    public void DeepRecursionHitsTheRecursionLimit()
    {
        var e = Fails("function down(n) { return down(n + 1) + 1; } down(0)", new JavaScriptOptions { RecursionLimit = 50 });
        Mentions(e.Message, "recursion limit exceeded");
    }

    [Fact]
    public void AHugeAllocationHitsTheMemoryLimit()
    {
        var e = Fails("const a = []; while (true) { a.push('x'.repeat(1000) + a.length); }",
            new JavaScriptOptions { MemoryLimitBytes = 16L << 20, MaxStatements = int.MaxValue, TimeLimit = TimeSpan.FromMinutes(1) });
        Mentions(e.Message, "memory limit exceeded");
    }

    [Fact]
    public void ALimitOnlyStopsWhatExceedsIt()
    {
        // Work well within the defaults runs to the end.
        var scope = new JavaScriptScope(Definition);
        Assert.Equal(49995000, scope.Evaluate("let s = 0; for (let i = 0; i < 10000; i++) s += i; s"));
    }

    [Theory]
    [InlineData("importNamespace('System.IO')")]
    [InlineData("System.IO.File.ReadAllText('/etc/hostname')")]
    [InlineData("getInput.GetType().Assembly")]
    [InlineData("getInput('path').GetType()")]
    [InlineData("getItems().GetType()")]
    [InlineData("new (getInput.constructor)('return importNamespace')()('System')")]
    [InlineData("Object.getPrototypeOf(getItems()).constructor.constructor('return this')().System.Environment.Exit(1)")]
    public void NothingOfDotNetIsReachable(string attempt)
    {
        var input = new Dictionary<string, object?> { ["path"] = "/tmp/x" };
        var scope = new JavaScriptScope(Definition, input);
        scope.SetVariableByName("Items", new List<string> { "a", "b" });
        var e = Assert.Throws<WorkflowExecutionException>(() => scope.Evaluate(attempt));
        Assert.True(e.Message.Contains("ReferenceError", StringComparison.Ordinal) || e.Message.Contains("TypeError", StringComparison.Ordinal), e.Message);
        // and what is reachable is plain JavaScript data
        Assert.Equal(true, scope.Evaluate("Array.isArray(getItems()) && typeof getInput('path') === 'string' && typeof importNamespace === 'undefined'"));
    }

    [Fact]
    public void ASyntaxErrorNamesWorkflowActivityInputAndPosition()
    {
        var e = Fails("const x = ;");
        Mentions(e.Message, $"workflow '{Definition.Name}' ({Definition.DefinitionId})");
        Mentions(e.Message, "activity 'Probe' (probe)");
        Mentions(e.Message, "input 'value'");
        Mentions(e.Message, "JavaScript syntax error");
        Assert.Equal("probe", e.ActivityId);
    }

    [Fact]
    public void ValidationReportsAJavaScriptSyntaxErrorAtItsInput()
    {
        var definition = new TestWorkflow()
            .Add("ok", "Elsa.WriteLine", ("text", Js("`fine ${1 + 1}`", "String")))
            .Add("bad", "Elsa.WriteLine", ("text", Js("getInput('x' ??", "String")))
            .Chain("ok", "bad").Build();
        var problem = Assert.Single(Validation.WorkflowValidator.Validate(definition, TestHome.Registry));
        Assert.Equal(("bad", "text"), (problem.ActivityId, problem.Field));
        Mentions(problem.Message, "JavaScript syntax error");
    }

    [Fact]
    public void ARuntimeErrorNamesItsKindAndLine()
    {
        var e = Fails("const o = null;\nreturn o.missing;");
        Mentions(e.Message, "TypeError");
        Mentions(e.Message, "line 2");
        Mentions(e.Message, "input 'value'");
        Mentions(Fails("throw new Error('thrown by the expression')").Message, "Error: thrown by the expression");
    }

    [Fact]
    public async Task AFailingExpressionFaultsTheRunWithWorkflowActivityAndInput()
    {
        var definition = new TestWorkflow()
            .Add("say", "Elsa.WriteLine", ("text", Js("while (true) {}", "String")))
            .Build("runaway");
        using var home = new TestHome();
        var runtime = home.NewRuntime(home.Store, new WorkflowRuntimeOptions
        {
            RunsDirectory = home.RunsDirectory, JavaScript = new JavaScriptOptions { MaxStatements = 1000 },
        });
        var result = await runtime.RunAsync(definition);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Mentions(result.Error, "workflow 'runaway'");
        Mentions(result.Error, "activity 'say' (say)");
        Mentions(result.Error, "input 'text'");
        Mentions(result.Error, "statement limit exceeded");
    }

    [Fact]
    public void CancellationStopsAnEvaluation()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var scope = new JavaScriptScope(Definition, options: new JavaScriptOptions { MaxStatements = int.MaxValue, TimeLimit = TimeSpan.FromMinutes(5) });
        Assert.ThrowsAny<OperationCanceledException>(() => scope.Evaluate("for (;;) {}", ct: cts.Token));
    }
}
