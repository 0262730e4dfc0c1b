using System.Reflection;
using SelfSpec.Workflows.Activities.BuiltIn;

namespace SelfSpec.Workflows.Activities;

/// <summary>
/// The activity types a runtime can execute, keyed by type name. Build it from assemblies: every concrete
/// <see cref="WorkflowActivity"/> subclass carrying <see cref="ActivityAttribute"/> is registered. The Elsa
/// built-ins (flowchart control flow, variables, WriteLine, Cron, ForEach) are always present.
/// </summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, ActivityDescriptor> _byType = new(StringComparer.Ordinal);

    /// <summary>A registry holding only the built-ins.</summary>
    public ActivityRegistry() => Add(typeof(ActivityRegistry).Assembly);

    /// <summary>A registry with the built-ins plus every activity found in <paramref name="assemblies"/>.</summary>
    public static ActivityRegistry FromAssemblies(params IEnumerable<Assembly> assemblies)
    {
        var registry = new ActivityRegistry();
        foreach (var a in assemblies) registry.Add(a);
        return registry;
    }

    /// <summary>Registers every attributed activity class in <paramref name="assembly"/> (idempotent).</summary>
    public ActivityRegistry Add(Assembly assembly)
    {
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
        foreach (var t in types)
            if (t is { IsAbstract: false, IsClass: true } && typeof(WorkflowActivity).IsAssignableFrom(t) && t.IsDefined(typeof(ActivityAttribute), false))
                Add(t);
        return this;
    }

    /// <summary>Registers one activity class, replacing any earlier registration of the same type name.</summary>
    public ActivityRegistry Add(Type activityType)
    {
        var d = ActivityDescriptor.FromType(activityType);
        _byType[d.TypeName] = d;
        return this;
    }

    /// <summary>The descriptor for <paramref name="typeName"/>, or null if unknown.</summary>
    public ActivityDescriptor? Find(string typeName) => _byType.GetValueOrDefault(typeName);

    /// <summary>True for <c>Elsa.Flowchart</c> (executed by the runtime itself, not through a class).</summary>
    public static bool IsContainer(string typeName) => typeName == FlowchartTypes.Flowchart;

    /// <summary>True if the type is registered or is a container the runtime executes itself.</summary>
    public bool IsKnown(string typeName) => IsContainer(typeName) || _byType.ContainsKey(typeName);

    /// <summary>All registered descriptors, ordered by type name.</summary>
    public IEnumerable<ActivityDescriptor> All => _byType.Values.OrderBy(d => d.TypeName, StringComparer.Ordinal);
}
