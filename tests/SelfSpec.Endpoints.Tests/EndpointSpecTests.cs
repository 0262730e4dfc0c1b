using SelfSpec.Endpoints;

namespace SelfSpec.Endpoints.Tests;

/// <summary>The <c>openai:</c> spec: what it accepts, what it writes back, and the errors naming the input.</summary>
public sealed class EndpointSpecTests
{
    [Fact]
    public void ParsesSeveralEndpointsTheModelNameAndOptionsAndWritesThemBack()
    {
        var spec = EndpointSpec.Parse("openai:http://gpu1:8000/v1; https://gpu2:8000/v1/ #mistral-7b&weights=/models/m&concurrency=4&timeout=30&logprobs=100", "baseModel");
        Assert.Equal(["http://gpu1:8000/v1/", "https://gpu2:8000/v1/"], spec.Endpoints.Select(u => u.ToString()));
        Assert.Equal("mistral-7b", spec.Model);
        Assert.Equal("/models/m", spec.Weights);
        Assert.Equal(4, spec.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.RequestTimeout);
        Assert.Equal(100, spec.LogProbs);
        Assert.Equal("openai:mistral-7b", spec.DisplayName);
        Assert.Equal(spec, EndpointSpec.Parse(spec.ToString()));
        Assert.Equal("openai:http://h:1/v1", EndpointSpec.Parse("OPENAI:http://h:1/v1").ToString());
        Assert.Null(EndpointSpec.Parse("openai:http://h:1/v1").Model);
        Assert.Equal("m", EndpointSpec.Parse("openai:http://h:1/v1#model=m").Model);
    }

    [Theory]
    [InlineData("", "input 'baseModel': is empty")]
    [InlineData("   ", "input 'baseModel': is empty")]
    [InlineData("vllm:http://gpu1:8000/v1", "input 'baseModel': unknown scheme 'vllm:'")]
    [InlineData("openai:", "input 'baseModel': names no endpoint")]
    [InlineData("openai:#m", "input 'baseModel': names no endpoint")]
    [InlineData("openai:gpu1:8000", "input 'baseModel': 'gpu1:8000' is not an http(s) URL")]
    [InlineData("openai:ftp://gpu1/v1", "input 'baseModel': 'ftp://gpu1/v1' is not an http(s) URL")]
    [InlineData("openai:http://gpu1:8000/v1?x=1", "has a query string")]
    [InlineData("openai:http://a/v1;http://a/v1", "names an endpoint twice")]
    [InlineData("openai:http://a/v1#m&concurrency=0", "option concurrency= must be a positive integer, got '0'")]
    [InlineData("openai:http://a/v1#m&colour=red", "unknown or empty option 'colour=red'")]
    public void BadSpecsAreClearErrorsNamingTheInput(string value, string expected)
    {
        var e = Assert.Throws<EndpointSpecException>(() => EndpointSpec.Parse(value, "baseModel"));
        Assert.Contains(expected, e.Message);
        Assert.Equal("baseModel", e.Field);
    }

    [Fact]
    public void OnlyTheOpenAiPrefixMarksASpec()
    {
        Assert.True(EndpointSpec.IsSpec(" openai:http://a/v1"));
        Assert.False(EndpointSpec.IsSpec("/models/openai:x"));
        Assert.False(EndpointSpec.IsSpec(null));
        Assert.Throws<EndpointSpecException>(() => EndpointSpec.Parse("/models/llama", "model"));
    }

    [Fact]
    public void ErrorBodiesInOpenAisAndVllmsShapesGiveTheMessageAndParameter()
    {
        Assert.Equal(("max_tokens must be at least 1", "max_tokens"),
            OpenAiEndpoint.ParseError("""{"error":{"message":"max_tokens must be at least 1","type":"invalid_request_error","param":"max_tokens","code":null}}"""));
        Assert.Equal(("The model `x` does not exist.", null),
            OpenAiEndpoint.ParseError("""{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}"""));
        Assert.Equal(("Bad Gateway", null), OpenAiEndpoint.ParseError("Bad Gateway"));
        Assert.Equal(1234, Completion.ParseTokenId("token_id:1234"));
        Assert.Throws<FormatException>(() => Completion.ParseTokenId("hello"));
    }
}
