using SelfSpec.Workflows.Activities.BuiltIn;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Workflows.Execution;

/// <summary>
/// The static shape of one flowchart: its activities, connections by source and target, the start activity and
/// which connections are loop-backs (edges to an activity already on the path from the start). Shared by the
/// executor and the validator.
/// </summary>
public sealed class FlowchartGraph
{
    /// <summary>Analyses <paramref name="flowchart"/>; connections to unknown activities are left out (see <see cref="Dangling"/>).</summary>
    public FlowchartGraph(ActivityNode flowchart, string? triggerActivityId = null)
    {
        Flowchart = flowchart;
        foreach (var a in flowchart.Activities ?? []) Nodes.TryAdd(a.Id, a);
        foreach (var c in flowchart.Connections ?? [])
        {
            if (!Nodes.ContainsKey(c.Source) || !Nodes.ContainsKey(c.Target)) { Dangling.Add(c); continue; }
            Connections.Add(c);
            if (!Outgoing.TryGetValue(c.Source, out var outgoing)) Outgoing[c.Source] = outgoing = [];
            outgoing.Add(c);
            if (!Incoming.TryGetValue(c.Target, out var incoming)) Incoming[c.Target] = incoming = [];
            incoming.Add(c);
        }
        Start = ChooseStart(triggerActivityId);
        if (Start is not null) FindBackEdges(Start.Id);
    }

    /// <summary>The flowchart node.</summary>
    public ActivityNode Flowchart { get; }

    /// <summary>Activities by id.</summary>
    public Dictionary<string, ActivityNode> Nodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Connections between known activities.</summary>
    public List<Connection> Connections { get; } = [];

    /// <summary>Connections naming an activity that does not exist.</summary>
    public List<Connection> Dangling { get; } = [];

    /// <summary>Outgoing connections by source id.</summary>
    public Dictionary<string, List<Connection>> Outgoing { get; } = new(StringComparer.Ordinal);

    /// <summary>Incoming connections by target id.</summary>
    public Dictionary<string, List<Connection>> Incoming { get; } = new(StringComparer.Ordinal);

    /// <summary>Loop-back connections (from a DFS from the start).</summary>
    public HashSet<Connection> BackEdges { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The start activity, or null for an empty flowchart.</summary>
    public ActivityNode? Start { get; }

    /// <summary>Incoming connections that are not loop-backs.</summary>
    public IEnumerable<Connection> ForwardIncoming(string id) => Incoming.GetValueOrDefault(id)?.Where(c => !BackEdges.Contains(c)) ?? [];

    /// <summary>Outgoing connections of an activity.</summary>
    public IReadOnlyList<Connection> OutgoingOf(string id) => Outgoing.GetValueOrDefault(id) ?? (IReadOnlyList<Connection>)[];

    /// <summary>Elsa's order: the trigger, <c>Elsa.Start</c>, the first <c>canStartWorkflow</c>, the first without incoming connections, the first.</summary>
    private ActivityNode? ChooseStart(string? trigger)
    {
        var all = Flowchart.Activities ?? [];
        if (trigger is not null && Nodes.TryGetValue(trigger, out var t)) return t;
        return all.FirstOrDefault(a => a.Type == FlowchartTypes.Start)
            ?? all.FirstOrDefault(a => a.CanStartWorkflow)
            ?? all.FirstOrDefault(a => !Incoming.ContainsKey(a.Id))
            ?? all.FirstOrDefault();
    }

    private void FindBackEdges(string start)
    {
        // Iterative DFS: an edge into a node still on the stack closes a cycle.
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on stack, 2 = done
        var stack = new Stack<(string Id, int Next)>();
        stack.Push((start, 0));
        state[start] = 1;
        while (stack.Count > 0)
        {
            var (id, next) = stack.Pop();
            var outgoing = OutgoingOf(id);
            if (next < outgoing.Count)
            {
                stack.Push((id, next + 1));
                var c = outgoing[next];
                switch (state.GetValueOrDefault(c.Target))
                {
                    case 1: BackEdges.Add(c); break;
                    case 0: state[c.Target] = 1; stack.Push((c.Target, 0)); break;
                }
            }
            else state[id] = 2;
        }
    }

    /// <summary>Activities reachable from the start.</summary>
    public HashSet<string> Reachable()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (Start is null) return seen;
        var queue = new Queue<string>([Start.Id]);
        seen.Add(Start.Id);
        while (queue.Count > 0)
            foreach (var c in OutgoingOf(queue.Dequeue()))
                if (seen.Add(c.Target)) queue.Enqueue(c.Target);
        return seen;
    }

    /// <summary>The activities of the loop closed by <paramref name="backEdge"/>: reachable from its target and reaching its source.</summary>
    public HashSet<string> LoopBody(Connection backEdge)
    {
        var forward = Closure(backEdge.Target, id => OutgoingOf(id).Where(c => !BackEdges.Contains(c)).Select(c => c.Target));
        var backward = Closure(backEdge.Source, id => ForwardIncoming(id).Select(c => c.Source));
        forward.IntersectWith(backward);
        forward.Add(backEdge.Target);
        forward.Add(backEdge.Source);
        return forward;
    }

    /// <summary>True if every path from the start to <paramref name="backEdge"/>'s source passes through its target (a proper loop).</summary>
    public bool IsProperLoop(Connection backEdge)
    {
        if (Start is null || Start.Id == backEdge.Target) return true;
        // Remove the loop head and see whether the source is still reachable from the start.
        var seen = new HashSet<string>(StringComparer.Ordinal) { Start.Id };
        var queue = new Queue<string>([Start.Id]);
        while (queue.Count > 0)
            foreach (var c in OutgoingOf(queue.Dequeue()))
                if (c.Target != backEdge.Target && seen.Add(c.Target)) queue.Enqueue(c.Target);
        return !seen.Contains(backEdge.Source);
    }

    /// <summary>Every activity downstream of <paramref name="id"/> (itself included).</summary>
    public HashSet<string> Downstream(string id) => Closure(id, n => OutgoingOf(n).Select(c => c.Target));

    private static HashSet<string> Closure(string from, Func<string, IEnumerable<string>> next)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var queue = new Queue<string>([from]);
        while (queue.Count > 0)
            foreach (var n in next(queue.Dequeue()))
                if (seen.Add(n)) queue.Enqueue(n);
        return seen;
    }
}
