def test_tree_loads_and_pages_render(client, tree):
    """Every page type of the test curriculum renders in both languages."""
    lesson = tree.lessons[0][0]
    for page in (tree.course.get_parent(), tree.course, tree.modules[0], lesson):
        assert client.get(page.url).status_code == 200
        assert client.get(tree.en(page).url).status_code == 200
