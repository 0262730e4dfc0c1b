using System.Text;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Workflows.Expressions.JavaScript;

/// <summary>
/// TypeScript declarations of the globals a JavaScript expression sees in a workflow — what Elsa Studio's
/// expression editor (Monaco) loads from <c>/scripting/javascript/type-definitions</c> to complete them.
/// </summary>
public static class JavaScriptTypeDefinitions
{
    private const string Common = """
        /** A workflow input by name (null when the run was not given it). */
        declare function getInput(name: string): any;
        /** A workflow variable by name. */
        declare function getVariable(name: string): any;
        /** Sets a workflow variable by name; the value is converted to the variable's declared type. */
        declare function setVariable(name: string, value: any): void;
        declare function getWorkflowDefinitionId(): string;
        declare function getWorkflowDefinitionVersionId(): string;
        declare function getWorkflowDefinitionVersion(): number;
        declare function getWorkflowInstanceId(): string;
        declare function getWorkflowInstanceName(): string;
        declare function isNullOrWhiteSpace(value: string | null | undefined): boolean;
        declare function isNullOrEmpty(value: string | null | undefined): boolean;
        /** The value as JSON text. */
        declare function toJson(value: any): string;
        /** The GUID in its canonical form; throws if the text is not a GUID. */
        declare function parseGuid(value: string): string;
        declare function newGuid(): string;
        declare function newGuidString(): string;
        declare function newShortGuid(): string;
        declare function getGuidString(): string;
        declare function getShortGuid(): string;
        declare function bytesToString(value: Uint8Array): string;
        declare function bytesFromString(value: string): Uint8Array;
        declare function bytesToBase64(value: Uint8Array): string;
        declare function bytesFromBase64(value: string): Uint8Array;
        declare function stringToBase64(value: string): string;
        declare function stringFromBase64(value: string): string;

        """;

    /// <summary>The <c>.d.ts</c> text for <paramref name="definition"/>: the common globals, then its own variables and inputs.</summary>
    public static string For(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var text = new StringBuilder(Common);
        var variables = definition.Variables.Where(v => JavaScriptNames.IsIdentifier(v.Name)).ToList();
        var inputs = definition.Inputs.Where(i => JavaScriptNames.IsIdentifier(i.Name)).ToList();

        text.Append("/** The workflow variables; assigning one sets the variable. */\ndeclare const variables: {\n");
        foreach (var v in variables) text.Append($"    {v.Name}: {TypeOf(v.TypeName, v.IsArray)} | null;\n");
        text.Append("};\n/** The workflow input by name. */\ndeclare const input: {\n");
        foreach (var i in inputs) text.Append($"    readonly {i.Name}: {TypeOf(i.Type, false)} | null;\n");
        text.Append("};\n");
        foreach (var v in variables)
        {
            var name = JavaScriptNames.Pascalize(v.Name);
            var type = TypeOf(v.TypeName, v.IsArray);
            text.Append($"/** Variable {v.Name}. */\ndeclare function get{name}(): {type} | null;\n");
            text.Append($"/** Sets variable {v.Name}. */\ndeclare function set{name}(value: {type} | null): void;\n");
        }
        foreach (var i in inputs)
            text.Append($"/** Workflow input {i.Name}. */\ndeclare function get{i.Name}(): {TypeOf(i.Type, false)} | null;\n");
        return text.ToString();
    }

    /// <summary>The TypeScript type of values of an Elsa type alias, as they appear in JavaScript.</summary>
    internal static string TypeOf(string? typeName, bool isArray) => TypeOf(TypeAliases.Resolve(typeName, isArray));

    private static string TypeOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(byte[])) return "Uint8Array";
        if (type == typeof(string) || type == typeof(char) || type == typeof(Guid) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type.IsEnum) return "string";
        if (type == typeof(bool)) return "boolean";
        if (type.IsPrimitive || type == typeof(decimal)) return "number";
        if (type.IsArray) return Element(type.GetElementType()!);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)) return Element(type.GetGenericArguments()[0]);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            return $"Record<string, {TypeOf(type.GetGenericArguments()[1])}>";
        return "any"; // JSON, objects, other collections
    }

    private static string Element(Type element) => TypeOf(element) is var t && t.Contains(' ', StringComparison.Ordinal) ? $"({t})[]" : $"{t}[]";
}
