package param

// SplitItems exposes the tag splitter to the docs test, which splits the
// docs' type cells as tags are split.
var SplitItems = splitItems
