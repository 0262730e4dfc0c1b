using System.Text;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Server.Designer;

/// <summary>
/// TypeScript declarations of the JavaScript globals our runtime gives expressions (<c>getInput</c>, <c>getVariable</c>,
/// <c>setVariable</c>, <c>variables</c>, and <c>getX</c>/<c>setX</c> for each of the workflow's variables), which Studio
/// hands to Monaco for completion. (When the Jint work lands, this class should defer to its generator.)
/// </summary>
public static class JavaScriptTypeDefinitions
{
    /// <summary>The declarations for <paramref name="definition"/>.</summary>
    public static string For(WorkflowDefinition definition)
    {
        var sb = new StringBuilder();
        sb.AppendLine("/** Reads a workflow input by name. */");
        sb.AppendLine("declare function getInput(name: string): any;");
        sb.AppendLine("/** Reads a workflow variable by name. */");
        sb.AppendLine("declare function getVariable(name: string): any;");
        sb.AppendLine("/** Writes a workflow variable by name. */");
        sb.AppendLine("declare function setVariable(name: string, value: any): void;");
        sb.AppendLine("/** The workflow's variables by name. */");
        sb.AppendLine("declare const variables: {");
        foreach (var v in definition.Variables) sb.AppendLine($"  {Identifier(v.Name)}: {TsType(v.TypeName, v.IsArray)};");
        sb.AppendLine("  [name: string]: any;");
        sb.AppendLine("};");
        foreach (var v in definition.Variables)
        {
            var name = Identifier(v.Name);
            var type = TsType(v.TypeName, v.IsArray);
            sb.AppendLine($"/** Reads variable {v.Name} ({v.TypeName}{(v.IsArray ? "[]" : "")}). */");
            sb.AppendLine($"declare function get{name}(): {type};");
            sb.AppendLine($"/** Writes variable {v.Name}. */");
            sb.AppendLine($"declare function set{name}(value: {type}): void;");
        }
        foreach (var input in definition.Inputs)
            sb.AppendLine($"/** Workflow input {input.Name} ({input.Type}); read it with getInput(\"{input.Name}\"). */");
        return sb.ToString();
    }

    private static string Identifier(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name) sb.Append(char.IsLetterOrDigit(ch) || ch == '_' ? ch : '_');
        if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    private static string TsType(string typeName, bool isArray)
    {
        var element = typeName.EndsWith("[]", StringComparison.Ordinal) ? typeName[..^2] : typeName;
        var ts = element switch
        {
            "String" or "Guid" or "DateTime" or "DateTimeOffset" or "TimeSpan" => "string",
            "Int16" or "Int32" or "Int64" or "Single" or "Double" or "Decimal" => "number",
            "Boolean" => "boolean",
            _ => "any",
        };
        return isArray || typeName.EndsWith("[]", StringComparison.Ordinal) ? ts + "[]" : ts;
    }
}
