"""Any painting as the style (Li et al. 2017): feature transforms (WCT, AdaIN) and the universal model,
a FastModel."""
