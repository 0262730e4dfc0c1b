global using Xunit;
global using SelfSpec.TestSupport;
