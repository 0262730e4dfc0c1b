using SelfSpec.Workflows.Activities.BuiltIn;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Workflows.Execution;

/// <summary>
/// Runs a flowchart with Elsa's counter-based semantics: an activity's outcomes select the outgoing connections
/// that are followed; every target is an implicit join that runs once all its forward inbound connections were
/// visited and at least one was followed, and is skipped (the skip spreading downstream) when none was;
/// <c>FlowJoin</c> applies WaitAny (first branch wins, pending activities on the other branches are dropped)/WaitAll/WaitAllActive; a followed loop-back connection re-arms the loop body;
/// a terminal node (<c>Elsa.End</c>) completes the flowchart at once. Activities run one at a time, in FIFO order.
/// </summary>
internal sealed class FlowchartExecutor(WorkflowExecution execution)
{
    private readonly HashSet<Connection> _visited = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Connection> _followed = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _firedJoins = new(StringComparer.Ordinal);
    private readonly Queue<ActivityNode> _ready = new();
    private FlowchartGraph _graph = null!;

    public async Task RunAsync(ActivityNode flowchart, string? triggerActivityId = null)
    {
        _graph = new FlowchartGraph(flowchart, triggerActivityId);
        if (_graph.Start is null) return;
        _ready.Enqueue(_graph.Start);
        var invoker = new ActivityInvoker(execution);
        while (_ready.TryDequeue(out var node))
        {
            var outcomes = await invoker.InvokeAsync(node).ConfigureAwait(false);
            if (FlowchartTypes.IsTerminal(node.Type)) return;
            Propagate(node, outcomes);
        }
    }

    private void Propagate(ActivityNode node, IReadOnlyList<string> outcomes)
    {
        var outgoing = _graph.OutgoingOf(node.Id);
        foreach (var c in outgoing)
        {
            _visited.Add(c);
            if (outcomes.Contains(c.SourcePort, StringComparer.Ordinal)) _followed.Add(c); else _followed.Remove(c);
        }
        // One arrival per target, even when several connections lead there from this node.
        foreach (var group in outgoing.GroupBy(c => c.Target, StringComparer.Ordinal))
        {
            var target = _graph.Nodes[group.Key];
            var back = group.FirstOrDefault(c => _graph.BackEdges.Contains(c) && _followed.Contains(c));
            if (back is not null) { LoopBack(back, target); continue; }
            if (group.All(_graph.BackEdges.Contains)) continue;
            Arrive(group.Any(_followed.Contains), target);
        }
    }

    private void LoopBack(Connection backEdge, ActivityNode head)
    {
        foreach (var id in _graph.LoopBody(backEdge))
        {
            _firedJoins.Remove(id);
            foreach (var c in _graph.OutgoingOf(id)) { _visited.Remove(c); _followed.Remove(c); }
        }
        _ready.Enqueue(head);
    }

    private void Arrive(bool followedNow, ActivityNode target)
    {
        var inbound = _graph.ForwardIncoming(target.Id).ToList();
        var allVisited = inbound.All(_visited.Contains);
        var anyFollowed = inbound.Any(_followed.Contains);
        if (target.Type == FlowchartTypes.FlowJoin)
        {
            switch (JoinMode(target))
            {
                case "WaitAll":
                    if (allVisited) Decide(target, inbound.All(_followed.Contains));
                    return;
                case "WaitAllActive":
                    if (allVisited) Decide(target, anyFollowed);
                    return;
                default: // WaitAny: the first followed branch wins; later arrivals are ignored
                    if (_firedJoins.Contains(target.Id)) return;
                    if (followedNow) { _firedJoins.Add(target.Id); CancelOtherBranches(target); _ready.Enqueue(target); }
                    else if (allVisited && !anyFollowed) Skip(target);
                    return;
            }
        }
        if (allVisited) Decide(target, anyFollowed);
    }

    /// <summary>WaitAny: activities still waiting to run on the other branches into the join are dropped, as Elsa cancels them.</summary>
    private void CancelOtherBranches(ActivityNode join)
    {
        var pending = _ready.ToList();
        _ready.Clear();
        foreach (var node in pending)
        {
            if (node.Id != join.Id && _graph.Downstream(node.Id).Contains(join.Id))
                execution.Emit(new ActivityEnded(execution.InstanceId, WorkflowExecution.Info(node), ActivityOutcomeKind.Cancelled, TimeSpan.Zero, [], "cancelled by WaitAny join"));
            else
                _ready.Enqueue(node);
        }
    }

    private void Decide(ActivityNode target, bool run)
    {
        if (run) _ready.Enqueue(target); else Skip(target);
    }

    private void Skip(ActivityNode node)
    {
        execution.Emit(new ActivityEnded(execution.InstanceId, WorkflowExecution.Info(node), ActivityOutcomeKind.Skipped, TimeSpan.Zero, [], null));
        Propagate(node, []);
    }

    private static string JoinMode(ActivityNode join) =>
        join.GetInput("mode")?.Expression.ValueText?.Trim() is { Length: > 0 } mode ? mode : "WaitAny";
}
