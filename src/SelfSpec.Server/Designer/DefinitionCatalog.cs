using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SelfSpec.Server.Api;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Validation;

namespace SelfSpec.Server.Designer;

/// <summary>The outcome of a save or publish: the stored version and the validator's problems.</summary>
/// <param name="Record">The stored version.</param>
/// <param name="Problems">What the validator found (errors block publishing, not drafts).</param>
/// <param name="AlreadyPublished">True when publish found the latest version already published.</param>
public sealed record SaveOutcome(WorkflowDefinitionRecord Record, IReadOnlyList<ValidationProblem> Problems, bool AlreadyPublished = false);

/// <summary>
/// Definitions as the designer edits them, over the <see cref="WorkflowStore"/>: drafts, versions, publish/retract,
/// delete, revert and import. Saving a published version creates a new draft version; a save is checked by the
/// <see cref="WorkflowValidator"/> and refused, unstored, when it would drop an input the stored version had.
/// </summary>
public sealed partial class DefinitionCatalog(WorkflowStore store, ActivityRegistry registry)
{
    /// <summary>Keys the API adds to definitions that are not part of the definition itself.</summary>
    private static readonly string[] ProtocolKeys = ["links", "isLatest", "isReadonly", "isSystem"];

    private readonly Lock _writeGate = new();

    /// <summary>The store.</summary>
    public WorkflowStore Store => store;

    /// <summary>Checks an id from a URL or body: letters, digits, <c>-_.</c>, at most 100 characters, so no id can name a path.</summary>
    public static string CheckId(string? id, string what)
    {
        if (string.IsNullOrEmpty(id)) throw ApiException.BadRequest($"{what} is missing");
        if (!SafeId().IsMatch(id) || id.Contains("..", StringComparison.Ordinal)) throw ApiException.BadRequest($"{what} '{Shorten(id)}' is not a valid id (letters, digits, '-', '_', '.')");
        return id;
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex SafeId();

    /// <summary>Every version of a definition, newest first; 404 if none.</summary>
    public IReadOnlyList<WorkflowDefinitionRecord> Versions(string definitionId)
    {
        var versions = store.ListDefinitionVersions(CheckId(definitionId, "definition id"));
        return versions.Count > 0 ? versions : throw ApiException.NotFound($"no workflow definition '{definitionId}'");
    }

    /// <summary>The version of <paramref name="definitionId"/> selected by <paramref name="options"/>; 404 if none.</summary>
    public WorkflowDefinitionRecord Find(string definitionId, VersionOptions options) =>
        options.Pick(Versions(definitionId)) ?? throw ApiException.NotFound($"workflow definition '{definitionId}' has no {(options.Number is { } n ? $"version {n}" : options.Kind.ToLowerInvariant() + " version")}");

    /// <summary>The version with id <paramref name="versionId"/>; 404 if none.</summary>
    public WorkflowDefinitionRecord FindVersion(string versionId) =>
        store.FindDefinition(CheckId(versionId, "version id")) is { } r && r.Id == versionId ? r : throw ApiException.NotFound($"no workflow definition version '{versionId}'");

    /// <summary>The published version, else the latest (what Run and <c>selfspec run NAME</c> start).</summary>
    public WorkflowDefinitionRecord? FindRunnable(string definitionIdOrName)
    {
        var versions = store.ListDefinitionVersions(definitionIdOrName);
        if (versions.Count == 0 && store.ListDefinitions().FirstOrDefault(d => d.Name == definitionIdOrName) is { } named)
            versions = store.ListDefinitionVersions(named.DefinitionId);
        return versions.FirstOrDefault(v => v.IsPublished) ?? versions.FirstOrDefault();
    }

    /// <summary>True when no other definition has the name.</summary>
    public bool IsNameUnique(string name, string? definitionId) =>
        !store.ListDefinitions().Any(d => d.Name == name && d.DefinitionId != definitionId);

    /// <summary>
    /// Saves Studio's <c>model</c> as a draft (the latest draft is replaced; a published latest gets a new version) and
    /// publishes it when <paramref name="publish"/>. 400 when it cannot be read, names a taken name, drops a stored input,
    /// or (publishing) has validation errors — and then nothing is stored.
    /// </summary>
    public SaveOutcome Save(JsonObject model, bool publish)
    {
        lock (_writeGate)
        {
            var definitionId = JsonBody.String(model, "definitionId");
            definitionId = string.IsNullOrEmpty(definitionId) ? NewId() : CheckId(definitionId, "definitionId");
            var versions = store.ListDefinitionVersions(definitionId);
            var latest = versions.FirstOrDefault();
            var stored = latest is null ? null : WorkflowDefinitionSerializer.Read(latest.Json);
            var storedJson = latest is null ? null : JsonNode.Parse(latest.Json) as JsonObject;

            var json = Normalize(model, storedJson);
            json["definitionId"] = definitionId;
            json["id"] = latest is null || latest.IsPublished ? NewId() : latest.Id;
            json["version"] = latest is null ? 1 : latest.IsPublished ? latest.Version + 1 : latest.Version;
            json["isPublished"] = false;
            if (JsonBody.String(json, "name") is not { Length: > 0 } name) json["name"] = name = "Workflow " + definitionId;
            if (!IsNameUnique(name, definitionId)) throw new ApiException(409, $"another workflow definition is already named '{name}'");

            WorkflowDefinition definition;
            try { definition = WorkflowDefinitionSerializer.Read(json.ToJsonString()); }
            catch (WorkflowDefinitionException e) { throw ApiException.BadRequest("the definition cannot be read: " + e.Message); }
            if (stored is not null) RefuseDroppedInputs(stored, definition);
            var problems = WorkflowValidator.Validate(definition, registry);
            if (publish) RefuseErrors(problems, definition.Name);

            var record = StoreVersion(definition, publish);
            if (publish) UnpublishOthers(record);
            return new SaveOutcome(record, problems);
        }
    }

    /// <summary>Publishes the latest version (400 when it has validation errors).</summary>
    public SaveOutcome Publish(string definitionId)
    {
        lock (_writeGate)
        {
            var latest = Versions(definitionId)[0];
            var definition = WorkflowDefinitionSerializer.Read(latest.Json);
            var problems = WorkflowValidator.Validate(definition, registry);
            if (latest.IsPublished) return new SaveOutcome(latest, problems, AlreadyPublished: true);
            RefuseErrors(problems, definition.Name);
            var record = StoreVersion(definition, publish: true);
            UnpublishOthers(record);
            return new SaveOutcome(record, problems);
        }
    }

    /// <summary>Retracts the published version (400 when none is published).</summary>
    public SaveOutcome Retract(string definitionId)
    {
        lock (_writeGate)
        {
            var published = Versions(definitionId).FirstOrDefault(v => v.IsPublished)
                ?? throw ApiException.BadRequest($"workflow definition '{definitionId}' has no published version to retract");
            return new SaveOutcome(StoreVersion(WorkflowDefinitionSerializer.Read(published.Json), publish: false), []);
        }
    }

    /// <summary>Deletes every version (or one); 404 when absent. Instances keep the definition they ran.</summary>
    public int Delete(string definitionId, int? version = null)
    {
        lock (_writeGate)
        {
            var versions = Versions(definitionId);
            if (version is { } v && versions.All(r => r.Version != v)) throw ApiException.NotFound($"workflow definition '{definitionId}' has no version {v}");
            return store.DeleteDefinition(definitionId, version);
        }
    }

    /// <summary>Makes a copy of <paramref name="version"/> the new latest draft (Elsa's revert).</summary>
    public SaveOutcome Revert(string definitionId, int version)
    {
        lock (_writeGate)
        {
            var versions = Versions(definitionId);
            var source = versions.FirstOrDefault(v => v.Version == version) ?? throw ApiException.NotFound($"workflow definition '{definitionId}' has no version {version}");
            var latest = versions[0];
            var definition = WorkflowDefinitionSerializer.Read(source.Json);
            definition.Id = latest.IsPublished ? NewId() : latest.Id;
            definition.Version = latest.IsPublished ? latest.Version + 1 : latest.Version;
            if (latest.Id == source.Id) return new SaveOutcome(source, WorkflowValidator.Validate(definition, registry));
            return new SaveOutcome(StoreVersion(definition, publish: false), WorkflowValidator.Validate(definition, registry));
        }
    }

    /// <summary>Stores an imported definition as given (replacing a stored version with the same id, as Elsa's import does).</summary>
    public WorkflowDefinitionRecord Import(WorkflowDefinition definition)
    {
        CheckId(definition.DefinitionId, "definitionId");
        CheckId(definition.Id, "id");
        lock (_writeGate)
        {
            var record = StoreVersion(definition, definition.IsPublished);
            if (record.IsPublished) UnpublishOthers(record);
            return record;
        }
    }

    /// <summary>Imports every <c>*.json</c> file in <paramref name="folder"/> whose definition is not stored yet; returns the names imported.</summary>
    public IReadOnlyList<string> ImportNew(string folder)
    {
        var imported = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var definition = WorkflowDefinitionSerializer.ReadFile(file);
            if (store.ListDefinitionVersions(definition.DefinitionId).Count > 0) continue;
            definition.SourceFile = null;
            Import(definition);
            imported.Add(definition.Name);
        }
        return imported;
    }

    private WorkflowDefinitionRecord StoreVersion(WorkflowDefinition definition, bool publish)
    {
        definition.IsPublished = publish;
        var record = new WorkflowDefinitionRecord
        {
            Id = definition.Id, DefinitionId = definition.DefinitionId, Name = definition.Name, Version = definition.Version,
            IsPublished = publish, Json = WorkflowDefinitionSerializer.Write(definition),
        };
        store.SaveDefinition(record);
        return store.FindDefinition(record.Id)!;
    }

    private void UnpublishOthers(WorkflowDefinitionRecord published)
    {
        foreach (var other in store.ListDefinitionVersions(published.DefinitionId).Where(v => v.IsPublished && v.Id != published.Id))
        {
            var definition = WorkflowDefinitionSerializer.Read(other.Json);
            definition.IsPublished = false;
            other.IsPublished = false;
            other.Json = WorkflowDefinitionSerializer.Write(definition);
            store.SaveDefinition(other);
        }
    }

    private static void RefuseErrors(IReadOnlyList<ValidationProblem> problems, string name)
    {
        var errors = problems.Where(p => p.Severity == ProblemSeverity.Error).ToList();
        if (errors.Count == 0) return;
        throw new ApiException(400, $"'{name}' cannot be published: {errors.Count} validation error(s): {string.Join("; ", errors.Take(5))}",
            new JsonObject
            {
                ["error"] = $"'{name}' cannot be published: {errors.Count} validation error(s)",
                ["validationErrors"] = ElsaJson.ValidationErrors(errors),
            });
    }

    /// <summary>
    /// Refuses a save that lost an input the stored version set on an activity it keeps: the input is one our runtime knows
    /// for that type, or any wrapped input of a type it does not know (which the designer cannot recreate).
    /// </summary>
    private void RefuseDroppedInputs(WorkflowDefinition stored, WorkflowDefinition saved)
    {
        var savedById = saved.AllActivities().GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.First());
        var lost = new List<string>();
        foreach (var before in stored.AllActivities())
        {
            if (!savedById.TryGetValue(before.Id, out var after)) continue;
            var known = registry.Find(before.Type);
            var names = known is not null
                ? known.Inputs.Select(i => i.Name)
                : before.Properties.Where(p => p.Value is JsonObject o && o["expression"] is not null).Select(p => p.Key);
            foreach (var name in names)
                if (before.GetInput(name) is not null && !after.HasProperty(name))
                    lost.Add($"activity '{before.DisplayName}' ({before.Id}, {before.Type}) input '{name}'");
        }
        if (lost.Count > 0)
            throw ApiException.BadRequest($"the save was refused because it drops {lost.Count} input(s) the stored version sets: {string.Join("; ", lost.Take(10))}. Nothing was stored; reload the designer.");
    }

    /// <summary>
    /// Studio's model as a definition: API-only keys dropped (kept as stored when the file had them), <c>null</c> members
    /// of objects the stored version did not have dropped, and keys in the stored version's order so an unchanged
    /// definition is stored byte for byte as before.
    /// </summary>
    private static JsonObject Normalize(JsonObject model, JsonObject? stored)
    {
        var json = (JsonObject)model.DeepClone();
        json.Remove("$schema");
        foreach (var key in ProtocolKeys)
        {
            json.Remove(key);
            if (stored?[key] is { } kept) json[key] = kept.DeepClone();
        }
        foreach (var (key, value) in json.ToList())
            if (stored?.ContainsKey(key) != true && IsEmpty(value)) json.Remove(key);
        if (json["options"] is JsonObject options)
        {
            // Studio posts every option, unset ones as null (trap 4): a null keeps the stored value, or is dropped.
            var storedOptions = stored?["options"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in options.ToList())
                if (value is null)
                {
                    if (storedOptions[key] is { } kept) options[key] = kept.DeepClone();
                    else options.Remove(key);
                }
            json["options"] = OrderLike(options, storedOptions);
        }
        if (stored is null) return json;
        KeepVariableDefaults(json, stored);
        var storedActivities = stored["root"] is JsonObject storedRoot ? IndexActivities(storedRoot) : [];
        if (json["root"] is JsonObject root) ReorderActivities(root, storedActivities);
        return OrderLike(json, stored);
    }

    /// <summary>Studio posts <c>variables[].value: null</c> (trap 4): a default the stored version has is kept.</summary>
    private static void KeepVariableDefaults(JsonObject json, JsonObject stored)
    {
        var storedValues = (stored["variables"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(v => v["id"] is JsonValue && v["value"] is not null)
            .ToDictionary(v => v["id"]!.ToString(), v => v["value"]!, StringComparer.Ordinal);
        foreach (var v in (json["variables"] as JsonArray ?? []).OfType<JsonObject>())
            if (v["value"] is null && v["id"] is JsonValue id && storedValues.TryGetValue(id.ToString(), out var value))
                v["value"] = value.DeepClone();
    }

    private static bool IsEmpty(JsonNode? value) => value switch
    {
        null => true,
        JsonObject o => o.All(kv => kv.Value is null),
        JsonArray a => a.Count == 0,
        _ => false,
    };

    private static Dictionary<string, JsonObject> IndexActivities(JsonObject root)
    {
        var index = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        void Walk(JsonObject a)
        {
            if (a["id"] is JsonValue id && id.TryGetValue<string>(out var s)) index.TryAdd(s, a);
            foreach (var child in (a["activities"] as JsonArray ?? []).OfType<JsonObject>()) Walk(child);
            foreach (var (_, v) in a) if (v is JsonObject o && o["type"] is JsonValue && o["id"] is JsonValue && o["expression"] is null) Walk(o);
        }
        Walk(root);
        return index;
    }

    private static void ReorderActivities(JsonObject activity, Dictionary<string, JsonObject> stored)
    {
        foreach (var child in (activity["activities"] as JsonArray ?? []).OfType<JsonObject>().ToList())
        {
            ReorderActivities(child, stored);
            if (child["id"] is JsonValue id && id.TryGetValue<string>(out var s) && stored.TryGetValue(s, out var before))
                child.ReplaceWith(OrderLike(child, before));
        }
    }

    /// <summary>A copy of <paramref name="o"/> with the keys <paramref name="template"/> has first, in its order.</summary>
    private static JsonObject OrderLike(JsonObject o, JsonObject template)
    {
        var result = new JsonObject();
        foreach (var (key, _) in template)
            if (o.ContainsKey(key)) result[key] = o[key]?.DeepClone();
        foreach (var (key, value) in o)
            if (!result.ContainsKey(key)) result[key] = value?.DeepClone();
        return result;
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
