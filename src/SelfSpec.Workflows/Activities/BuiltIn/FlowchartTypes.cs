namespace SelfSpec.Workflows.Activities.BuiltIn;

/// <summary>Type names the flowchart executor treats specially.</summary>
public static class FlowchartTypes
{
    /// <summary>The flowchart container.</summary>
    public const string Flowchart = "Elsa.Flowchart";
    /// <summary>The preferred start node.</summary>
    public const string Start = "Elsa.Start";
    /// <summary>A node that completes the flowchart at once.</summary>
    public const string End = "Elsa.End";
    /// <summary>The explicit join.</summary>
    public const string FlowJoin = "Elsa.FlowJoin";
    /// <summary>The cron trigger.</summary>
    public const string Cron = "Elsa.Cron";

    /// <summary>Terminal nodes: reaching one completes the flowchart straight away.</summary>
    public static bool IsTerminal(string type) => type is End or "Elsa.Complete" or "Elsa.Finish" or "Elsa.Break";
}

/// <summary>Activities that run child activities; never reused from a record, since their children are reused one by one.</summary>
internal interface ICompositeActivity;
