using System.Linq;
using Differentiable.Generators.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Diagnostics;

/// <summary>A diagnostic as equatable values; it becomes a <see cref="Diagnostic"/> only at output.</summary>
/// <param name="AdditionalLocations">Related places, shown with the diagnostic (the declaration of a callee without a derivative).</param>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, EquatableArray<LocationInfo> AdditionalLocations = default)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, EquatableArray.Create(arguments));

    public DiagnosticInfo WithAdditionalLocation(LocationInfo? location) =>
        location is null ? this : this with { AdditionalLocations = new EquatableArray<LocationInfo>(AdditionalLocations.AsImmutableArray().Add(location)) };

    /// <summary>The message as the compiler would show it, for a diagnostic quoted inside another one.</summary>
    public string Message()
    {
        var format = DiagnosticDescriptors.ById(Id).MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Arguments.Cast<object>().ToArray());
    }

    /// <param name="anchor">Where the method starts whose model recorded the places (for places relative to it).</param>
    public Diagnostic ToDiagnostic(Compilation? compilation, MethodAnchor? anchor = null)
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        var arguments = new object[Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Arguments[i];
        }

        var additional = AdditionalLocations.Select(l => l.ToLocation(compilation, anchor));
        return Diagnostic.Create(descriptor, Location?.ToLocation(compilation, anchor) ?? Microsoft.CodeAnalysis.Location.None, additional, arguments);
    }
}
