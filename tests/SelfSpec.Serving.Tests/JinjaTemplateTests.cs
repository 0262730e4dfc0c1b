using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Serving.Templates;
using SelfSpec.TestSupport;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// The chat-template interpreter renders what Python's jinja2 renders with Hugging Face's settings, on the Llama 2
/// tokenizers' own templates and hand-written ones covering the supported subset; where jinja2 fails
/// (raise_exception, type errors) ours fails too; constructs outside the subset are refused, never mis-rendered.
/// </summary>
public sealed class JinjaTemplateTests
{
    private static readonly string[] HandWritten =
    [
        // ChatML.
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
        // Llama 3 style: set inside the loop, a filter, loop.index0.
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
        // Multi-line with whitespace control, trim_blocks/lstrip_blocks, a namespace, a loop filter and loop.*.
        """
        {%- set ns = namespace(sys='', count=0) -%}
        {%- for m in messages -%}
          {%- if m.role == 'system' -%}
            {%- set ns.sys = ns.sys ~ m.content -%}
          {%- endif -%}
          {%- set ns.count = ns.count + 1 -%}
        {%- endfor -%}
        {% if ns.sys %}System: {{ ns.sys | upper }} ({{ ns.count }} messages)
        {% endif %}
        {% for m in messages if m.role != 'system' %}
            {{ loop.index }}/{{ loop.length }} {{ m.role | capitalize }}: {{ m.content.strip() }}{% if not loop.last %}

        {% endif %}
        {% endfor %}
        {%- if add_generation_prompt %}
        Assistant:{% endif %}
        """,
        // Mistral style: alternation check, slicing, elif, raise_exception.
        "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] %}{% set rest = messages[1:] %}{% else %}{% set system = '' %}{% set rest = messages %}{% endif %}"
        + "{% for message in rest %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if message['role'] == 'user' %}{% if loop.first and system %}{{ '[INST] ' + system + '\\n\\n' + message['content'] + ' [/INST]' }}{% else %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}"
        + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
        // Expressions: arithmetic, concatenation, slices, tests, conditionals, literals, methods, break/continue.
        "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 1.5 * 2 }} {{ 'a' ~ 1 ~ none ~ true }} {{ [1, 2, 3][1:] }} {{ 'abcdef'[::-2] }} {{ 'abc'[-1] }}"
        + " {{ undefined_thing is defined }} {{ messages | length }} {{ 'x' if messages | length > 2 else 'y' }} {{ {'a': 1, 'b': [true, none]} }} {{ {'a': 1}['a'] }}"
        + " {{ 'A,B,,C'.split(',') }} {{ '  pad '.lstrip() }}| {{ 'Hello'.startswith('He') and not 'Hello'.endswith('x') }} {{ 'ab' in 'cabd' }} {{ 3 not in [1, 2] }}"
        + " {{ messages[0].content | default('none') }} {{ missing | default('fallback') }} {{ 'mIxEd'.lower() }}{{ 'mIxEd' | upper }} {{ range(3) | list }} {{ [3, 1] | join('-') }}"
        + "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 4 %}{% break %}{% endif %}{{ i }}{% endfor %} {{ messages[0]['role'] == 'system' or messages[0]['role'] == 'user' }}",
        // Errors jinja2 raises too: adding a string to a number, reading an attribute of something undefined.
        "{{ 'a' + 1 }}",
        "{{ nothing.here }}",
    ];

    private static readonly object[][] Conversations =
    [
        [Msg("user", "Hello there!")],
        [Msg("system", "Be brief."), Msg("user", " What is a gene? ")],
        [Msg("user", "Hi"), Msg("assistant", "Hello."), Msg("user", "Name an enzyme.")],
        [Msg("system", "You are a biologist."), Msg("user", "Q1"), Msg("assistant", "A1"), Msg("user", "Q2")],
        [Msg("user", "one"), Msg("user", "two")], // breaks alternation
    ];

    private static Dictionary<string, object?> Msg(string role, string content) => new() { ["role"] = role, ["content"] = content };

    public static IEnumerable<string> FixtureTemplates() =>
        new[] { "llama2", "llama2-metaspace" }.Select(t =>
            JsonNode.Parse(File.ReadAllText(Paths.Fixture("tokenizers", t, "tokenizer_config.json")))!["chat_template"]!.GetValue<string>());

    [Fact]
    public void RendersAsPythonsJinja2DoesOnTheFixtureAndHandWrittenTemplates()
    {
        var python = ExternalReference.RequirePython("jinja2", "python3-jinja2");
        var cases = new List<(string Template, Dictionary<string, object?> Variables)>();
        foreach (var template in FixtureTemplates().Concat(HandWritten))
            foreach (var conversation in Conversations)
                foreach (var generation in new[] { true, false })
                    cases.Add((template, new Dictionary<string, object?>
                    {
                        ["messages"] = conversation.ToList(), ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["add_generation_prompt"] = generation,
                    }));
        var input = JsonSerializer.Serialize(cases.Select(c => new { template = c.Template, variables = c.Variables }));
        var run = ChildProcess.Run(python, [Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Serving.Tests", "python", "render_chat_template.py")], stdin: input);
        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = JsonNode.Parse(run.StdOut)!.AsArray();
        var rendered = 0;
        for (var i = 0; i < cases.Count; i++)
        {
            var reference = expected[i]!;
            string? ours = null, error = null;
            try { ours = JinjaTemplate.Parse(cases[i].Template).Render(cases[i].Variables); }
            catch (JinjaException e) { error = e.Message; }
            if (reference["text"] is { } text)
            {
                Assert.True(error is null, $"case {i}: jinja2 renders but we fail: {error}\n{cases[i].Template}");
                Assert.Equal(text.GetValue<string>(), ours);
                rendered++;
            }
            else Assert.True(error is not null, $"case {i}: jinja2 fails ({reference["error"]}) but we render {ours}");
        }
        Assert.True(rendered >= 50, $"only {rendered} cases rendered");
    }

    [Theory]
    [InlineData("{% macro m() %}x{% endmacro %}{{ m() }}", "macro")]
    [InlineData("{{ messages | tojson }}", "tojson")]
    [InlineData("{% include 'other.j2' %}", "include")]
    [InlineData("{% raw %}{{ x }}{% endraw %}", "raw")]
    [InlineData("{{ messages[0].content.format(1) }}", "format")]
    [InlineData("{% for m in messages %}", "endfor")]
    [InlineData("{{ 'unterminated }}", "unterminated")]
    public void ConstructsOutsideTheSubsetAreRefusedByName(string template, string named)
    {
        var e = Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(template).Render(new Dictionary<string, object?> { ["messages"] = new List<object?> { Msg("user", "hi") } }));
        Assert.Contains(named, e.Message);
    }
}
