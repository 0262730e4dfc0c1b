using System.Reflection;

namespace SelfSpec.Workflows.Activities;

/// <summary>An input or output property of an activity type.</summary>
/// <param name="Name">The JSON key (camelCase).</param>
/// <param name="Property">The CLR property.</param>
/// <param name="Description">The description, if any.</param>
/// <param name="Required">Whether an input must be set.</param>
public sealed record ActivityPortDescriptor(string Name, PropertyInfo Property, string? Description, bool Required)
{
    /// <summary>The property's CLR type.</summary>
    public Type ClrType => Property.PropertyType;
}

/// <summary>What the registry knows about one activity type: name, version, ports, outcomes and how to create it.</summary>
public sealed class ActivityDescriptor
{
    /// <summary>Creates a descriptor; <paramref name="factory"/> makes a fresh instance per attempt.</summary>
    public ActivityDescriptor(string typeName, int version, string category, string? description, Type clrType,
        IReadOnlyList<ActivityPortDescriptor> inputs, IReadOnlyList<ActivityPortDescriptor> outputs,
        IReadOnlyList<string> outcomes, bool cacheable, PropertyInfo? batchSize, Func<WorkflowActivity> factory)
    {
        TypeName = typeName; Version = version; Category = category; Description = description; ClrType = clrType;
        Inputs = inputs; Outputs = outputs; Outcomes = outcomes; Cacheable = cacheable; BatchSizeProperty = batchSize; Factory = factory;
    }

    /// <summary>The type name used in definitions, e.g. <c>SelfSpec.TrainAdapter</c>.</summary>
    public string TypeName { get; }

    /// <summary>The type version.</summary>
    public int Version { get; }

    /// <summary>The designer category.</summary>
    public string Category { get; }

    /// <summary>The description.</summary>
    public string? Description { get; }

    /// <summary>The implementing class.</summary>
    public Type ClrType { get; }

    /// <summary>The inputs.</summary>
    public IReadOnlyList<ActivityPortDescriptor> Inputs { get; }

    /// <summary>The outputs.</summary>
    public IReadOnlyList<ActivityPortDescriptor> Outputs { get; }

    /// <summary>The outcome names (ports).</summary>
    public IReadOnlyList<string> Outcomes { get; }

    /// <summary>Whether completed executions may be reused across runs.</summary>
    public bool Cacheable { get; }

    /// <summary>The <see cref="BatchSizeAttribute"/> input, if any.</summary>
    public PropertyInfo? BatchSizeProperty { get; }

    /// <summary>Creates a fresh activity instance.</summary>
    public Func<WorkflowActivity> Factory { get; }

    /// <summary>Builds a descriptor from an attributed class.</summary>
    public static ActivityDescriptor FromType(Type type)
    {
        var attr = type.GetCustomAttribute<ActivityAttribute>()
            ?? throw new ArgumentException($"{type.FullName} has no [Activity] attribute", nameof(type));
        if (!typeof(WorkflowActivity).IsAssignableFrom(type) || type.IsAbstract)
            throw new ArgumentException($"{type.FullName} must be a concrete subclass of {nameof(WorkflowActivity)}", nameof(type));
        var ctor = type.GetConstructor(Type.EmptyTypes) ?? throw new ArgumentException($"{type.FullName} needs a public parameterless constructor", nameof(type));
        var inputs = new List<ActivityPortDescriptor>();
        var outputs = new List<ActivityPortDescriptor>();
        PropertyInfo? batch = null;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<ActivityInputAttribute>() is { } input)
            {
                inputs.Add(new ActivityPortDescriptor(input.Name ?? CamelCase(p.Name), p, input.Description, input.Required));
                if (p.GetCustomAttribute<BatchSizeAttribute>() is not null)
                    batch = p.PropertyType == typeof(int) ? p : throw new ArgumentException($"{type.FullName}.{p.Name}: [BatchSize] needs an int property");
            }
            if (p.GetCustomAttribute<ActivityOutputAttribute>() is { } output)
                outputs.Add(new ActivityPortDescriptor(output.Name ?? CamelCase(p.Name), p, output.Description, false));
        }
        var factory = () => (WorkflowActivity)ctor.Invoke(null);
        return new ActivityDescriptor($"{attr.Namespace}.{attr.Type ?? type.Name}", attr.Version, attr.Category ?? attr.Namespace,
            attr.Description, type, inputs, outputs, attr.Outcomes.Length == 0 ? ["Done"] : attr.Outcomes, attr.Cacheable, batch, factory);
    }

    internal static string CamelCase(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    /// <inheritdoc />
    public override string ToString() => $"{TypeName} v{Version}";
}
